from tortoise import migrations
from tortoise.migrations import operations as ops
from federation.ids import new_uuid
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=64)),
                ('operation', fields.CharField(max_length=64)),
                ('target', fields.CharField(default='', max_length=128)),
                ('result', fields.CharField(max_length=64)),
            ],
            options={'table': 'hub_audit_log', 'app': 'hub', 'pk_attr': 'id'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='HubUser',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('display_name', fields.CharField(default='', max_length=128)),
                ('password_hash', fields.CharField(max_length=255)),
                ('roles', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('failed_logins', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('token_version', fields.IntField(default=0)),
            ],
            options={'table': 'hub_users', 'app': 'hub', 'pk_attr': 'id'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='Window',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window_id', fields.CharField(unique=True, max_length=63)),
                ('name', fields.CharField(max_length=200)),
                ('kind', fields.CharField(max_length=16)),
                ('region_code', fields.CharField(db_index=True, max_length=6)),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('endpoint', fields.CharField(default='', max_length=500)),
                ('core_schema_version', fields.CharField(default='', max_length=16)),
                ('node_version', fields.CharField(default='', max_length=32)),
                ('plugins', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('sdl', fields.TextField(default='', unique=False)),
                ('sdl_hash', fields.CharField(default='', max_length=64)),
                ('connected_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('publicity_starts_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('publicity_ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('rejection_reasons', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('status_reason', fields.TextField(default='', unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'windows', 'app': 'hub', 'pk_attr': 'id', 'table_description': 'A window platform in the registry, from its application to connection and beyond.'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='Application',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window', fields.ForeignKeyField('hub.Window', source_field='window_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('round', fields.IntField()),
                ('organisation', fields.CharField(max_length=200)),
                ('contact_name', fields.CharField(max_length=100)),
                ('contact_phone', fields.CharField(default='', max_length=64)),
                ('contact_email', fields.CharField(default='', max_length=200)),
                ('service_scope', fields.TextField(unique=False)),
                ('industries', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('materials', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('submitted_by', fields.CharField(max_length=64)),
            ],
            options={'table': 'window_applications', 'app': 'hub', 'unique_together': (('window', 'round'),), 'pk_attr': 'id', 'table_description': 'One application (申报) of a window with its materials. A re-application is a new round.'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='Objection',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('application', fields.ForeignKeyField('hub.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='objections', on_delete=OnDelete.RESTRICT)),
                ('text', fields.TextField(unique=False)),
                ('contact', fields.CharField(max_length=200)),
                ('filed_by', fields.CharField(max_length=64)),
                ('status', fields.CharField(default='OPEN', max_length=16)),
                ('resolution_note', fields.TextField(default='', unique=False)),
                ('resolved_by', fields.CharField(null=True, max_length=64)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'window_objections', 'app': 'hub', 'indexes': [Index(fields=['application_id', 'status'])], 'pk_attr': 'id', 'table_description': "An objection filed during a window's publicity, by anyone."},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='Review',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('application', fields.ForeignKeyField('hub.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.RESTRICT)),
                ('reviewer', fields.ForeignKeyField('hub.HubUser', source_field='reviewer_id', db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.RESTRICT)),
                ('score', fields.IntField()),
                ('opinion', fields.TextField(unique=False)),
                ('recommendation', fields.CharField(max_length=8)),
            ],
            options={'table': 'window_reviews', 'app': 'hub', 'unique_together': (('application', 'reviewer'),), 'pk_attr': 'id', 'table_description': "An expert reviewer's score and recommendation on one application."},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='WindowKey',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window', fields.ForeignKeyField('hub.Window', source_field='window_id', db_constraint=True, to_field='id', related_name='keys', on_delete=OnDelete.RESTRICT)),
                ('kid', fields.CharField(max_length=64)),
                ('jwk', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'window_keys', 'app': 'hub', 'unique_together': (('window', 'kid'),), 'pk_attr': 'id', 'table_description': "A public JWK of a window's node, added at ``created_at``."},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='WindowTransition',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window', fields.ForeignKeyField('hub.Window', source_field='window_id', db_constraint=True, to_field='id', related_name='transitions', on_delete=OnDelete.RESTRICT)),
                ('from_status', fields.CharField(null=True, max_length=16)),
                ('to_status', fields.CharField(max_length=16)),
                ('actor', fields.CharField(max_length=64)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'window_transitions', 'app': 'hub', 'indexes': [Index(fields=['window_id', 'id'])], 'pk_attr': 'id'},
            bases=['Record'],
        ),
    ]
