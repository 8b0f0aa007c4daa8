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
            name='Instrument',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('name', fields.CharField(max_length=200)),
                ('model_number', fields.CharField(default='', max_length=200)),
                ('agency', fields.ForeignKeyField('node.Agency', source_field='agency_id', null=True, db_constraint=True, to_field='id', related_name='equipment_instruments', on_delete=OnDelete.RESTRICT)),
                ('location', fields.CharField(default='', max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('hourly_fee', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('service', fields.ForeignKeyField('node.Service', source_field='service_id', db_constraint=True, to_field='id', related_name='equipment_instruments', on_delete=OnDelete.RESTRICT)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'equipment_instruments', 'app': 'equipment', 'pk_attr': 'id', 'table_description': 'A shared instrument of the window (no agency) or of one of its agencies.'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='Booking',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('instrument', fields.ForeignKeyField('equipment.Instrument', source_field='instrument_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.RESTRICT)),
                ('enterprise', fields.ForeignKeyField('node.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='equipment_bookings', on_delete=OnDelete.RESTRICT)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('purpose', fields.TextField(default='', unique=False)),
                ('status', fields.CharField(max_length=16)),
                ('booked_by', fields.CharField(max_length=64)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('service_record', fields.ForeignKeyField('node.ServiceRecord', source_field='service_record_id', null=True, db_constraint=True, to_field='id', related_name='equipment_bookings', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'equipment_bookings', 'app': 'equipment', 'indexes': [Index(fields=['instrument_id', 'starts_at'])], 'pk_attr': 'id', 'table_description': "One enterprise's time slot on an instrument: BOOKED → USED | CANCELLED."},
            bases=['Record'],
        ),
    ]
