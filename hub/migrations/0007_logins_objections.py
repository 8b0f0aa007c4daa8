from tortoise import migrations
from tortoise.migrations import operations as ops
from federation.ids import new_uuid
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('hub', '0006_routing')]

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
            options={'table': 'login_failures', 'app': 'hub', 'unique_together': (('username', 'address'),), 'pk_attr': 'id'},
            bases=['LoginFailure'],
        ),
        ops.RemoveField(model_name='HubUser', name='failed_logins'),
        ops.AddField(
            model_name='Objection',
            name='address',
            field=fields.CharField(default='', max_length=64),
        ),
    ]
