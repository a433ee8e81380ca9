from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0002_audit_append_only")]

    operations = [
        ops.CreateModel(
            name='TrustedDocument',
            fields=[
                ('sha256', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('document', fields.TextField(unique=False)),
                ('client', fields.CharField(max_length=100)),
                ('added_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'trusted_document', 'app': 'models', 'pk_attr': 'sha256'},
            bases=['Model'],
        ),
    ]
