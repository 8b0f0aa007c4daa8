from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('node', '0006_seen_tokens')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Voucher',
            name='from_hub',
            field=fields.BooleanField(default=False),
        ),
    ]
