from tortoise import migrations
from tortoise.migrations import operations as ops
from node.plugins.api import new_uuid
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('node', '0005_event_deliveries')]

    initial = True

    operations = [
        ops.CreateModel(
            name='FinancingCoreDemandLink',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('core_demand', fields.OneToOneField('node.Demand', source_field='core_demand_id', db_constraint=True, to_field='id', related_name='financing_link', on_delete=OnDelete.RESTRICT)),
                ('enterprise', fields.ForeignKeyField('node.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='financing_core_demand_links', on_delete=OnDelete.RESTRICT)),
                ('submitted_by', fields.CharField(max_length=64)),
            ],
            options={'table': 'financing_core_demand_links', 'app': 'financing', 'pk_attr': 'id', 'table_description': 'A core demand of category FINANCING, recorded once when its event arrives.'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='FinancingProduct',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('name', fields.CharField(max_length=200)),
                ('provider_name', fields.CharField(max_length=200)),
                ('provider_kind', fields.CharField(max_length=16)),
                ('agency', fields.ForeignKeyField('node.Agency', source_field='agency_id', null=True, db_constraint=True, to_field='id', related_name='financing_products', on_delete=OnDelete.RESTRICT)),
                ('amount_min', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('amount_max', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('term_min_months', fields.IntField()),
                ('term_max_months', fields.IntField()),
                ('size_classes', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('rate_description', fields.TextField(default='', unique=False)),
                ('active', fields.BooleanField(default=True, db_index=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'financing_products', 'app': 'financing', 'pk_attr': 'id', 'table_description': 'A loan or guarantee product of a bank or guarantee agency, amounts in 万元.'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='FinancingDemand',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('enterprise', fields.ForeignKeyField('node.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='financing_demands', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('term_months', fields.IntField()),
                ('purpose', fields.TextField(unique=False)),
                ('status', fields.CharField(default='OPEN', db_index=True, max_length=16)),
                ('product', fields.ForeignKeyField('financing.FinancingProduct', source_field='product_id', null=True, db_constraint=True, to_field='id', related_name='demands', on_delete=OnDelete.RESTRICT)),
                ('approved_amount', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('decline_reason', fields.TextField(null=True, unique=False)),
                ('decided_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('core_demand', fields.OneToOneField('node.Demand', source_field='core_demand_id', null=True, db_constraint=True, to_field='id', related_name='financing_demand', on_delete=OnDelete.RESTRICT)),
                ('created_by', fields.CharField(max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'financing_demands', 'app': 'financing', 'indexes': [Index(fields=['enterprise_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A need for financing of an enterprise, tracked to its outcome, amounts in 万元.'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='FinancingDemandTransition',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('demand', fields.ForeignKeyField('financing.FinancingDemand', source_field='demand_id', db_constraint=True, to_field='id', related_name='transitions', on_delete=OnDelete.RESTRICT)),
                ('from_status', fields.CharField(null=True, max_length=16)),
                ('to_status', fields.CharField(max_length=16)),
                ('actor', fields.CharField(max_length=64)),
                ('note', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'financing_demand_transitions', 'app': 'financing', 'indexes': [Index(fields=['demand_id', 'id'])], 'pk_attr': 'id'},
            bases=['Record'],
        ),
    ]
