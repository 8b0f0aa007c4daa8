from tortoise import migrations
from tortoise.migrations import operations as ops
from federation.ids import new_uuid, uuid_time
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('hub', '0003_assess')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Agreement',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window', fields.CharField(db_index=True, max_length=63)),
                ('partner', fields.CharField(null=True, db_index=True, max_length=63)),
                ('scope', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('valid_from', fields.DateField()),
                ('valid_until', fields.DateField(null=True)),
                ('note', fields.TextField(default='', unique=False)),
                ('created_by', fields.CharField(max_length=64)),
                ('terminated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('terminated_by', fields.CharField(null=True, max_length=64)),
                ('termination_reason', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'agreements', 'app': 'hub', 'pk_attr': 'id', 'table_description': 'A cooperation agreement (合作协议): hub–window (``partner`` null) or window–window,'},
            bases=['Record'],
        ),
        ops.CreateModel(
            name='NetworkVoucher',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=new_uuid, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('uscc', fields.CharField(db_index=True, max_length=18)),
                ('amount', fields.DecimalField(max_digits=12, decimal_places=2)),
                ('category', fields.CharField(null=True, max_length=32)),
                ('valid_until', fields.DateField()),
                ('status', fields.CharField(default='ISSUED', db_index=True, max_length=16)),
                ('issued_by', fields.CharField(max_length=64)),
                ('redeemed_by', fields.CharField(null=True, max_length=63)),
                ('service_record_id', fields.CharField(null=True, max_length=128)),
                ('redeemed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'network_vouchers', 'app': 'hub', 'pk_attr': 'id', 'table_description': 'A voucher the hub issued to an enterprise, redeemable at any window once (DESIGN §7).'},
            bases=['Record'],
        ),
    ]


# The windows already connected when agreements came in keep what the hub's supervision read of
# them before: the default hub–window agreement connection now creates (hub.domain.agreements).
DEFAULT_SCOPE = [
    "SERVICES", "AGENCIES", "EXPERTS", "ENTERPRISES", "DEMANDS", "SERVICE_RECORDS",
    "ACTIVITIES", "ANNOUNCEMENTS", "VOUCHERS", "STATS", "PLUGIN_RECORDS",
]


async def default_agreements(apps, schema_editor) -> None:
    window_model = apps.get_model("hub", "Window")
    agreement_model = apps.get_model("hub", "Agreement")
    client = schema_editor.client
    connected = await window_model.filter(connected_at__isnull=False).using_db(client).all()
    for window in connected:
        key = new_uuid()
        await agreement_model.create(
            id=key,
            created_at=uuid_time(key),
            window=window.window_id,
            scope=DEFAULT_SCOPE,
            valid_from=window.connected_at.date(),
            note="default: created with the agreements table",
            created_by="hub",
            using_db=client,
        )


Migration.operations.append(ops.RunPython(default_agreements, ops.RunPython.noop))
