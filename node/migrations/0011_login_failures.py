from tortoise import migrations
from tortoise.migrations import operations as ops
from federation.ids import new_uuid
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('node', '0010_demand_claims')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoginFailure',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('username', fields.CharField(max_length=64)),
                ('address', fields.CharField(max_length=64)),
                ('failures', fields.IntField(default=0)),
                ('last_failed_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('waits_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_failures', 'app': 'node', 'unique_together': (('username', 'address'),), 'pk_attr': 'id'},
            bases=['LoginFailure', 'Record'],
        ),
        ops.RemoveField(model_name='User', name='failed_logins'),
    ]
