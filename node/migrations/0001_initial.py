from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops

from federation.ids import new_uuid


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Agency',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('name', fields.CharField(max_length=200)),
                ('uscc', fields.CharField(null=True, unique=True, max_length=18)),
                ('categories', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('qualifications', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('contact_phone', fields.CharField(default='', max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'agencies', 'app': 'node', 'pk_attr': 'id'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=64)),
                ('operation', fields.CharField(max_length=64)),
                ('target', fields.CharField(default='', max_length=128)),
                ('result', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_log', 'app': 'node', 'pk_attr': 'id'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='Enterprise',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('name', fields.CharField(max_length=200)),
                ('uscc', fields.CharField(unique=True, max_length=18)),
                ('region_code', fields.CharField(max_length=6)),
                ('industry_code', fields.CharField(max_length=4)),
                ('employees', fields.IntField(null=True)),
                ('revenue', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('assets', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('size_class', fields.CharField(max_length=16)),
                ('contact_name', fields.CharField(default='', max_length=100)),
                ('contact_phone', fields.CharField(default='', max_length=64)),
                ('contact_email', fields.CharField(default='', max_length=200)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'enterprises', 'app': 'node', 'pk_attr': 'id'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='Expert',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('name', fields.CharField(max_length=100)),
                ('title', fields.CharField(default='', max_length=100)),
                ('organisation', fields.CharField(default='', max_length=200)),
                ('specialties', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('specialty_index', fields.TextField(default='', unique=False)),
                ('bio', fields.TextField(default='', unique=False)),
                ('phone', fields.CharField(default='', max_length=64)),
                ('email', fields.CharField(default='', max_length=200)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'experts', 'app': 'node', 'pk_attr': 'id'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='Service',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('name', fields.CharField(max_length=200)),
                ('category', fields.CharField(db_index=True, max_length=32)),
                ('public_welfare', fields.BooleanField(default=True)),
                ('function', fields.TextField(default='', unique=False)),
                ('process', fields.TextField(default='', unique=False)),
                ('standard', fields.TextField(default='', unique=False)),
                ('fee', fields.TextField(default='', unique=False)),
                ('time_limit_days', fields.IntField(null=True)),
                ('mode', fields.CharField(default='BOTH', max_length=16)),
                ('status', fields.CharField(default='DRAFT', db_index=True, max_length=16)),
                ('tags', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('agency', fields.ForeignKeyField('node.Agency', source_field='agency_id', null=True, db_constraint=True, to_field='id', related_name='services', on_delete=OnDelete.RESTRICT)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'services', 'app': 'node', 'pk_attr': 'id'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('display_name', fields.CharField(default='', max_length=128)),
                ('password_hash', fields.CharField(max_length=255)),
                ('roles', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('failed_logins', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('token_version', fields.IntField(default=0)),
            ],
            options={'table': 'users', 'app': 'node', 'pk_attr': 'id'},
            bases=['Record'],
        ),
    ]
