from tortoise import migrations
from tortoise.migrations import operations as ops
from federation.ids import new_uuid
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('node', '0004_lifecycle_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EventDelivery',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('event', fields.ForeignKeyField('node.DomainEvent', source_field='event_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.RESTRICT)),
                ('plugin', fields.CharField(max_length=64)),
                ('attempts', fields.IntField(default=0)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('next_attempt_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'event_deliveries', 'app': 'node', 'unique_together': (('event', 'plugin'),), 'pk_attr': 'id', 'table_description': "One plugin's handling of one domain event: written once the handler succeeded, so an"},
            bases=['Record'],
        ),
        ops.AddIndex(
            model_name='DomainEvent',
            index=Index(fields=['dispatched_at', 'id']),
        ),
    ]
