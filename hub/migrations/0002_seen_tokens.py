from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('hub', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SeenToken',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'seen_tokens', 'app': 'hub', 'pk_attr': 'key', 'table_description': "Ids of the window nodes' tokens the hub has accepted, until they expire."},
            bases=['SeenToken'],
        ),
    ]
