"""Reminders mailed before a repayment plan's deadline, through the outbox, by a background job.

What is due is derived from the database on every run (reports, their plans, the reminders
already queued), never kept in memory: a restart loses nothing, and a run after a long stop
sends the reminder that is due now, not every one it missed. Each reminder is a (report, days
before) row inserted in the transaction that queues its mail and its audit event; the pair is
unique, so a second insert fails and rolls its mail back: however many tasks or processes run
the job at once, each reminder is mailed once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from models import RepaymentPlan, RepaymentReminder, UnpaidRentReport
from models.enums import UserStatus
from resolvers.audit import chain as audit_log
from resolvers.declarations import receipts
from resolvers.declarations.repayment import PlanState, follow_up, reported_on, within
from resolvers.shared import clock, french
from resolvers.shared.outbox import queue_mail

if TYPE_CHECKING:  # annotations only: the job receives the process's settings
    from bailleurs.settings import Settings

ACTOR = "rappels-apurement"
# add_months keeps days inside short months: the SQL window is this much wider, and each report's
# deadline is then computed exactly.
_MARGIN = timedelta(days=4)


@dataclass(frozen=True)
class Due:
    report: UnpaidRentReport
    deadline: date
    days_before: int
    days_left: int


def due_kind(days_left: int, reminder_days: tuple[int, ...]) -> int | None:
    """The reminder due with `days_left` to go: the nearest threshold already reached."""
    reached = [d for d in reminder_days if 0 <= days_left <= d]
    return min(reached) if reached else None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def due_reminders(settings: Settings, on: date) -> list[Due]:
    months, widest = settings.repayment_plan_months, max(settings.repayment_reminder_days,
                                                          default=0)
    # A deadline (report day + months) between `on` and `on` + the widest reminder.
    reports = await UnpaidRentReport.filter(
        constituted=True,
        amount_owed_cents__gt=settings.repayment_small_debt_cents,
        created_at__gte=_start_of(french.add_months(on, -months) - _MARGIN),
        created_at__lt=clock.end_of(french.add_months(on + timedelta(days=widest), -months)
                                    + _MARGIN),
    ).exclude(id__in=Subquery(RepaymentPlan.all().values("report_id")))
    queued = set(await RepaymentReminder.filter(
        report_id__in=[r.id for r in reports]).values_list("report_id", "days_before"))
    due = []
    for report in reports:
        f = follow_up(report, None, settings, on)
        if f.state != PlanState.PLAN_ATTENDU or f.deadline is None or f.days_left is None:
            continue
        kind = due_kind(f.days_left, settings.repayment_reminder_days)
        if kind is not None and (report.id, kind) not in queued:
            due.append(Due(report, f.deadline, kind, f.days_left))
    return due


async def _recipient(report: UnpaidRentReport) -> str | None:
    """Whoever reported it, while their account is open; else the organisation's address."""
    await report.fetch_related("created_by", "tenant__housing__organisation")
    user = report.created_by
    if user.email and user.status != UserStatus.CLOSED:
        return user.email
    return report.tenant.housing.organisation.email


def reminder_text(due: Due, reference: str | None) -> tuple[str, str]:
    r, t = due.report, due.report.tenant
    deadline = french.day(due.deadline)
    about = f" (référence {reference})" if reference else ""
    body = (
        "Bonjour,\n\n"
        f"Vous avez signalé le {french.day(reported_on(r))} un impayé de loyer de "
        f"{french.euros(r.amount_owed_cents)} pour votre locataire {t.first_name} {t.last_name}, "
        f"numéro allocataire {t.allocataire_number}{about}.\n\n"
        "La Caf attend le plan d'apurement convenu avec votre locataire au plus tard le "
        f"{deadline}, {within(due.days_left)}. Transmettez-le depuis l'Offre bailleurs, "
        "menu « Signaler un impayé ».\n"
        "Sans plan à cette date, la Caf peut saisir le fonds de solidarité pour le logement "
        "(FSL).\n\n"
        "Si vous venez de le transmettre, ne tenez pas compte de ce message.\n\n"
        "La Caf — Offre bailleurs\n"
    )
    return f"Rappel : plan d'apurement à transmettre avant le {deadline}", body


async def queue_reminder(due: Due) -> bool:
    """Queue one reminder, unless it already was (then False)."""
    recipient = await _recipient(due.report)
    if recipient is None:
        return False
    reported = await receipts.stored(receipts.UNPAID, due.report.id)
    subject, body = reminder_text(due, reported.reference if reported else None)
    try:
        async with in_transaction():
            mail = await queue_mail(recipient, subject, body)
            await RepaymentReminder.create(report_id=due.report.id, days_before=due.days_before,
                                           deadline=due.deadline, mail_id=mail.id)
            await audit_log.record(
                "repayment_reminder_queued", actor_id=None, actor_label=ACTOR,
                organisation_id=due.report.tenant.housing.organisation_id,
                target_type="unpaid_rent_report", target_id=due.report.id,
                after={"days_before": due.days_before, "deadline": due.deadline,
                       "mail": mail.id},
            )
    except IntegrityError:  # queued meanwhile by another task or process
        return False
    return True


async def queue_due_reminders(settings: Settings, on: date | None = None) -> int:
    """Queue every reminder due on `on` (today by default); returns how many this run queued."""
    queued = 0
    for due in await due_reminders(settings, on or clock.today()):
        queued += await queue_reminder(due)
    return queued
