# The unpaid-rent follow-up: the landlord's repayment plan (one per report) and the reminders
# mailed before its deadline (one per report and number of days before).
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0010_change_history")]

    operations = [
        ops.CreateModel(
            name='RepaymentPlan',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('report', fields.OneToOneField('models.UnpaidRentReport', source_field='report_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('debt_cents', fields.IntField()),
                ('monthly_amount_cents', fields.IntField()),
                ('first_month', fields.DateField()),
                ('duration_months', fields.IntField()),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'repayment_plan', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RepaymentReminder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('report', fields.ForeignKeyField('models.UnpaidRentReport', source_field='report_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('days_before', fields.IntField()),
                ('deadline', fields.DateField()),
                ('mail', fields.ForeignKeyField('models.OutboxMail', source_field='mail_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'repayment_reminder', 'app': 'models', 'unique_together': (('report', 'days_before'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
