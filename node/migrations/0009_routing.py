from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('node', '0008_reports')]

    initial = False

    operations = [
        ops.CreateModel(
            name='HubMessage',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=128)),
                ('kind', fields.CharField(max_length=64)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'hub_messages', 'app': 'node', 'pk_attr': 'id', 'table_description': 'A hub delivery this node has taken (``acceptHubMessage``): each id is handled once.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Demand',
            name='origin',
            field=fields.CharField(null=True, unique=True, max_length=128),
        ),
    ]
