from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('node', '0003_service_lifecycle')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ChainEntry',
            index=Index(fields=['service_record_id', 'position']),
        ),
        ops.AddIndex(
            model_name='Demand',
            index=Index(fields=['enterprise_id', 'id']),
        ),
        ops.AddIndex(
            model_name='DemandTransition',
            index=Index(fields=['demand_id', 'id']),
        ),
        ops.AddIndex(
            model_name='DemandTransition',
            index=Index(fields=['to_status', 'created_at', 'demand_id']),
        ),
        ops.AddIndex(
            model_name='Feedback',
            index=Index(fields=['created_at', 'rating']),
        ),
        ops.AddIndex(
            model_name='FollowUp',
            index=Index(fields=['service_record_id', 'id']),
        ),
        ops.AddIndex(
            model_name='ServiceRecord',
            index=Index(fields=['completed_at', 'service_id', 'channel', 'enterprise_id']),
        ),
        ops.AddIndex(
            model_name='Voucher',
            index=Index(fields=['enterprise_id', 'id']),
        ),
    ]
