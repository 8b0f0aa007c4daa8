from tortoise import migrations
from tortoise.migrations import operations as ops
from node.plugins.api import new_uuid
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('node', '0005_event_deliveries')]

    initial = True

    operations = [
        ops.CreateModel(
            name='InspectionOrder',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('enterprise', fields.ForeignKeyField('node.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='inspection_orders', on_delete=OnDelete.RESTRICT)),
                ('lab', fields.ForeignKeyField('node.Agency', source_field='lab_id', db_constraint=True, to_field='id', related_name='inspection_orders', on_delete=OnDelete.RESTRICT)),
                ('service', fields.ForeignKeyField('node.Service', source_field='service_id', null=True, db_constraint=True, to_field='id', related_name='inspection_orders', on_delete=OnDelete.RESTRICT)),
                ('sample_description', fields.TextField(unique=False)),
                ('sample_quantity', fields.IntField()),
                ('standard', fields.CharField(max_length=200)),
                ('received_on', fields.DateField(db_index=True)),
                ('due_on', fields.DateField()),
                ('status', fields.CharField(default='RECEIVED', max_length=16)),
                ('testing_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancel_reason', fields.TextField(null=True, unique=False)),
                ('report_number', fields.CharField(null=True, unique=True, max_length=64)),
                ('conclusion', fields.CharField(null=True, max_length=16)),
                ('report_summary', fields.TextField(null=True, unique=False)),
                ('reported_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('reported_on', fields.DateField(null=True)),
            ],
            options={'table': 'inspection_orders', 'app': 'inspection', 'indexes': [Index(fields=['status', 'id']), Index(fields=['lab_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One sample sent to a lab for testing against a standard, and the report it got.'},
            bases=['Record'],
        ),
    ]
