from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # relations named for type checkers only
    from models.declarations import UnpaidRentReport
    from models.operations import OutboxMail
    from models.users import User


# The landlord's repayment plan (plan d'apurement) for one unpaid-rent report: at most one per
# report, which the unique report column enforces however many submissions arrive at once.
class RepaymentPlan(Model):

    id = fields.IntField(primary_key=True)
    report: fields.OneToOneRelation[UnpaidRentReport] = fields.OneToOneField(
        "models.UnpaidRentReport", related_name=False, on_delete=fields.RESTRICT
    )
    report_id: int
    # The debt the plan was checked against (the report's amount owed when it was submitted).
    debt_cents = fields.IntField()
    monthly_amount_cents = fields.IntField()
    first_month = fields.DateField()  # the first day of that month
    duration_months = fields.IntField()
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    created_by_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "repayment_plan"


# A reminder mailed before a repayment-plan deadline. The unique (report, kind) pair, inserted in
# the transaction that queues the mail, is what makes each reminder go out once, whichever
# process or task gets there first.
class RepaymentReminder(Model):

    id = fields.IntField(primary_key=True)
    report: fields.ForeignKeyRelation[UnpaidRentReport] = fields.ForeignKeyField(
        "models.UnpaidRentReport", related_name=False, on_delete=fields.RESTRICT
    )
    report_id: int
    # Days before the deadline this reminder stands for ("30", "7").
    days_before = fields.IntField()
    deadline = fields.DateField()
    mail: fields.ForeignKeyNullableRelation[OutboxMail] = fields.ForeignKeyField(
        "models.OutboxMail", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    mail_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "repayment_reminder"
        unique_together = [("report", "days_before")]
