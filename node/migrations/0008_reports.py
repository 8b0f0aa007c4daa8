from federation.ids import new_uuid
from tortoise.fields.base import OnDelete
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('node', '0007_trade')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Lease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('holder', fields.CharField(max_length=128)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'leases', 'app': 'node', 'pk_attr': 'name', 'table_description': "Which of the node's processes runs a scheduled job (federation.schedule)."},
            bases=['Lease'],
        ),
        ops.AddField(
            model_name='OutboxMessage',
            name='failed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.CreateModel(
            name='Report',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('kind', fields.CharField(max_length=16)),
                ('period', fields.CharField(max_length=8)),
                ('version', fields.IntField()),
                ('content', fields.TextField(unique=False)),
                ('signature', fields.CharField(max_length=128)),
                ('kid', fields.CharField(max_length=64)),
                ('chain_head', fields.CharField(null=True, max_length=64)),
                ('chain_length', fields.BigIntField()),
                ('written_by', fields.CharField(max_length=64)),
                ('outbox_message', fields.OneToOneField('node.OutboxMessage', source_field='outbox_message_id', db_constraint=True, to_field='id', related_name='report', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'reports', 'app': 'node', 'unique_together': (('kind', 'period', 'version'),), 'pk_attr': 'id', 'table_description': 'A periodic report to the hub (DESIGN §7), signed when written. A correction is the next'},
            bases=['Record'],
        ),
    ]
