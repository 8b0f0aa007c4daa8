from tortoise import migrations
from tortoise.migrations import operations as ops
from federation.ids import new_uuid
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('hub', '0002_seen_tokens')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Assessment',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window', fields.ForeignKeyField('hub.Window', source_field='window_id', db_constraint=True, to_field='id', related_name='assessments', on_delete=OnDelete.RESTRICT)),
                ('agency_ref', fields.CharField(default='', max_length=128)),
                ('agency_name', fields.CharField(default='', max_length=200)),
                ('year', fields.IntField()),
                ('kind', fields.CharField(max_length=16)),
                ('round', fields.IntField(default=0)),
                ('date_from', fields.DateField()),
                ('date_to', fields.DateField()),
                ('grade', fields.CharField(max_length=16)),
                ('total', fields.FloatField()),
                ('scores', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('figures', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('assessed_by', fields.CharField(max_length=64)),
                ('override_grade', fields.CharField(null=True, max_length=16)),
                ('override_reason', fields.TextField(default='', unique=False)),
                ('overridden_by', fields.CharField(null=True, max_length=64)),
                ('overridden_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'assessments', 'app': 'hub', 'unique_together': (('window', 'year', 'kind', 'agency_ref', 'round'),), 'pk_attr': 'id', 'table_description': "A window's, or one of its agencies', assessment of a period, with its evidence."},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='Rectification',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window', fields.ForeignKeyField('hub.Window', source_field='window_id', db_constraint=True, to_field='id', related_name='rectifications', on_delete=OnDelete.RESTRICT)),
                ('assessment', fields.ForeignKeyField('hub.Assessment', source_field='assessment_id', db_constraint=True, to_field='id', related_name='rectifications', on_delete=OnDelete.RESTRICT)),
                ('deadline', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='OPEN', db_index=True, max_length=16)),
                ('recheck', fields.ForeignKeyField('hub.Assessment', source_field='recheck_id', null=True, db_constraint=True, to_field='id', related_name='rechecked', on_delete=OnDelete.RESTRICT)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'rectifications', 'app': 'hub', 'pk_attr': 'id', 'table_description': "A FAIL's rectification (整改): the window is RECTIFYING until its re-check."},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='RevocationRequest',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window', fields.ForeignKeyField('hub.Window', source_field='window_id', db_constraint=True, to_field='id', related_name='revocation_requests', on_delete=OnDelete.RESTRICT)),
                ('rectification', fields.ForeignKeyField('hub.Rectification', source_field='rectification_id', db_constraint=True, to_field='id', related_name='revocation_requests', on_delete=OnDelete.RESTRICT)),
                ('reason', fields.TextField(unique=False)),
                ('requested_by', fields.CharField(max_length=64)),
                ('status', fields.CharField(default='PENDING', db_index=True, max_length=16)),
                ('decided_by', fields.CharField(null=True, max_length=64)),
                ('decision_reason', fields.TextField(default='', unique=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'revocation_requests', 'app': 'hub', 'pk_attr': 'id', 'table_description': "The hub's request to revoke a window that failed its re-check, for a SUPERVISOR to decide."},
            bases=['Record'],
        ),
    ]
