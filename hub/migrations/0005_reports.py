from tortoise.indexes import Index
from tortoise import migrations
from tortoise.migrations import operations as ops
from federation.ids import new_uuid
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('hub', '0004_trade')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Lease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('holder', fields.CharField(max_length=128)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'leases', 'app': 'hub', 'pk_attr': 'name', 'table_description': "Which of the hub's processes runs a scheduled job (federation.schedule)."},
            bases=['Lease'],
        ),
        ops.CreateModel(
            name='WindowMessage',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window', fields.ForeignKeyField('hub.Window', source_field='window_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.RESTRICT)),
                ('message_id', fields.CharField(max_length=64)),
                ('kind', fields.CharField(max_length=64)),
                ('payload', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'window_messages', 'app': 'hub', 'unique_together': (('window', 'message_id'),), 'pk_attr': 'id', 'table_description': "A message a window's node pushed from its outbox, stored once per window and message id."},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='Report',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window', fields.ForeignKeyField('hub.Window', source_field='window_id', db_constraint=True, to_field='id', related_name='reports', on_delete=OnDelete.RESTRICT)),
                ('report_id', fields.CharField(unique=True, max_length=100)),
                ('kind', fields.CharField(max_length=16)),
                ('period', fields.CharField(max_length=8)),
                ('period_from', fields.DateField()),
                ('period_to', fields.DateField()),
                ('version', fields.IntField()),
                ('content', fields.TextField(unique=False)),
                ('signature', fields.CharField(max_length=128)),
                ('kid', fields.CharField(max_length=64)),
                ('chain_head', fields.CharField(null=True, max_length=64)),
                ('chain_length', fields.BigIntField()),
                ('written_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('late', fields.BooleanField(default=False)),
                ('verified_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('verify_attempts', fields.IntField(default=0)),
                ('verify_error', fields.TextField(null=True, unique=False)),
                ('next_verify_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('flags', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('flagged', fields.BooleanField(default=False, db_index=True)),
            ],
            options={'table': 'reports', 'app': 'hub', 'unique_together': (('window', 'kind', 'period', 'version'),), 'indexes': [Index(fields=['window_id', 'period_to'])], 'pk_attr': 'id', 'table_description': "A window's periodic report (DESIGN §7), stored once per report id, and what the hub"},
            bases=['Record'],
        ),
    ]
