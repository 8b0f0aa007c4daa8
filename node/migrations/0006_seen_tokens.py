from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('node', '0005_event_deliveries')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SeenToken',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'seen_tokens', 'app': 'node', 'pk_attr': 'key', 'table_description': "Ids of the hub's tokens this node has accepted, until they expire."},
            bases=['SeenToken'],
        ),
    ]
