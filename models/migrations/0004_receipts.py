from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0003_trusted_documents")]

    operations = [
        ops.CreateModel(
            name='Receipt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('reference', fields.CharField(unique=True, max_length=40)),
                ('kind', fields.CharField(max_length=8)),
                ('target_id', fields.IntField()),
                ('organisation', fields.ForeignKeyField('models.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('pdf', fields.BinaryField()),
                ('sha256', fields.CharField(max_length=64)),
                ('verification_code', fields.CharField(max_length=16)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'receipt', 'app': 'models', 'unique_together': (('kind', 'target_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
