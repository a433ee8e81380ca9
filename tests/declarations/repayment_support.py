"""Operations and helpers shared by the repayment-plan tests (the unpaid-rent follow-up)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from models import UnpaidRentReport
from resolvers.shared.clock import today
from resolvers.shared.french import add_months
from tests.declarations.operations import REPORT_WITH_FOLLOW_UP
from tests.support.declaration_ops import month_start, tenant_id

# COUTURE's share with the benefit paid to the tenant: 2 × (300 € + 10 €) = 620 € constitutes it.
OWED = {"rentCents": 30000, "chargesCents": 1000, "benefitPaidToLandlord": False}


async def report(api, token: str, amount_cents: int = 90000, last_name: str = "COUTURE",
                 **owed) -> dict:
    variables = {"input": {
        "tenantId": await tenant_id(last_name), "amountOwedCents": amount_cents, "months": 3,
        "unpaidSince": month_start(3).isoformat(), **(owed or OWED),
    }}
    return (await api.ok(REPORT_WITH_FOLLOW_UP, variables, token))["reportUnpaidRent"]


def plan_input(report_id: str, monthly: int = 15000, duration: int = 6,
               first: date | None = None) -> dict:
    first = first or month_start(-1)
    return {"input": {"reportId": report_id, "monthlyAmountCents": monthly,
                      "firstMonth": first.isoformat(), "durationMonths": duration}}


async def reported_on(report_id: str, day: date) -> None:
    """The report made on `day` (at noon UTC), as the project moves time: in the stored rows."""
    at = datetime.combine(day, time(12), tzinfo=UTC)
    await UnpaidRentReport.filter(id=int(report_id)).update(created_at=at)


def reported_day_for(deadline: date, months: int = 6) -> date:
    """The report day whose deadline (+ `months`) falls on `deadline` (not a 29th-31st)."""
    day = add_months(deadline, -months)
    assert add_months(day, months) == deadline, "pick a deadline that months map back onto"
    return day


def deadline_in(days: int) -> date:
    """A deadline about `days` from today, on a day of the month every month has."""
    deadline = today() + timedelta(days=days)
    while deadline.day > 28:
        deadline -= timedelta(days=1)
    return deadline
