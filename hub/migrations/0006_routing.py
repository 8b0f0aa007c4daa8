from tortoise import migrations
from tortoise.migrations import operations as ops
from federation.ids import new_uuid
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('hub', '0005_reports')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Broadcast',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('kind', fields.CharField(max_length=16)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('selection', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('author', fields.CharField(max_length=64)),
            ],
            options={'table': 'broadcasts', 'app': 'hub', 'pk_attr': 'id', 'table_description': 'A policy or notice the hub published to all windows or a selection of them.'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='HubDelivery',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window', fields.ForeignKeyField('hub.Window', source_field='window_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=64)),
                ('payload', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('subject', fields.CharField(db_index=True, max_length=128)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'hub_deliveries', 'app': 'hub', 'indexes': [Index(fields=['delivered_at', 'failed_at', 'window_id', 'id'])], 'pk_attr': 'id', 'table_description': "A message to one window's node, written in the transaction of the change, pushed oldest"},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='RoutedDemand',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('demand_id', fields.CharField(unique=True, max_length=128)),
                ('origin', fields.ForeignKeyField('hub.Window', source_field='origin_id', db_constraint=True, to_field='id', related_name='escalated_demands', on_delete=OnDelete.RESTRICT)),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('category', fields.CharField(max_length=32)),
                ('note', fields.TextField(null=True, unique=False)),
                ('enterprise', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='QUEUED', db_index=True, max_length=16)),
                ('target', fields.ForeignKeyField('hub.Window', source_field='target_id', null=True, db_constraint=True, to_field='id', related_name='dispatched_demands', on_delete=OnDelete.RESTRICT)),
                ('service_id', fields.CharField(null=True, max_length=128)),
                ('dispatched_by', fields.CharField(null=True, max_length=64)),
                ('dispatch_note', fields.TextField(null=True, unique=False)),
                ('dispatched_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('dispatched_demand_id', fields.CharField(null=True, max_length=128)),
                ('outcome_note', fields.TextField(null=True, unique=False)),
                ('outcome_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'routed_demands', 'app': 'hub', 'pk_attr': 'id', 'table_description': 'A demand a window escalated, waiting in the routing queue until an operator dispatches'},
            bases=['Record'],
        ),
    ]
