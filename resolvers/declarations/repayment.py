"""The unpaid-rent follow-up: after a report, the agency asks for a repayment plan (plan
d'apurement) agreed within a legal delay; the landlord submits it, checked against the debt. A
small debt gets the agency's own plan instead. States and deadlines are derived from the report,
its plan and the settings, never stored: what the reminders job and a reader see always agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from strawberry.dataloader import DataLoader
from tortoise.exceptions import IntegrityError

from models import Receipt, RepaymentPlan, RepaymentReminder, UnpaidRentReport
from policies.vocabulary import Act
from resolvers.declarations import receipts
from resolvers.declarations.tenants import can_on_tenant
from resolvers.shared import french
from resolvers.shared.clock import today
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, Invalid, NotFound
from resolvers.shared.loaders import ByIdLoader

if TYPE_CHECKING:  # annotations only: settings reach this layer through the context
    from bailleurs.settings import Settings

REPORT_NOT_FOUND = "Signalement d'impayé introuvable."
ALREADY_SUBMITTED = (
    "Un plan d'apurement a déjà été transmis pour cet impayé : pour le modifier, contactez la Caf."
)


class PlanState(StrEnum):
    SANS_OBJET = "sans_objet"  # the unpaid rent is not constituted: no plan is asked for
    PLAN_ATTENDU = "plan_attendu"
    PLAN_RECU = "plan_recu"
    PROPOSE_PAR_CAF = "propose_par_caf"  # a small debt: the agency proposes the plan itself
    DELAI_DEPASSE = "delai_depasse"


@dataclass(frozen=True)
class FollowUp:
    report: UnpaidRentReport
    state: PlanState
    deadline: date | None
    plan: RepaymentPlan | None
    on: date

    @property
    def agency_proposes(self) -> bool:
        return self.state == PlanState.PROPOSE_PAR_CAF

    @property
    def days_left(self) -> int | None:
        if self.state != PlanState.PLAN_ATTENDU or self.deadline is None:
            return None
        return (self.deadline - self.on).days


def reported_on(report: UnpaidRentReport) -> date:
    return report.created_at.date()


def is_small_debt(report: UnpaidRentReport, settings: Settings) -> bool:
    return report.amount_owed_cents <= settings.repayment_small_debt_cents


def deadline_of(report: UnpaidRentReport, settings: Settings) -> date | None:
    """The landlord's deadline for the plan, or the agency's for its own (small debt)."""
    if not report.constituted:
        return None
    months = (settings.repayment_agency_months if is_small_debt(report, settings)
              else settings.repayment_plan_months)
    return french.add_months(reported_on(report), months)


def follow_up(report: UnpaidRentReport, plan: RepaymentPlan | None, settings: Settings,
              on: date) -> FollowUp:
    deadline = deadline_of(report, settings)
    if deadline is None:
        state = PlanState.SANS_OBJET
    elif is_small_debt(report, settings):
        state = PlanState.PROPOSE_PAR_CAF
    elif plan is not None:
        state = PlanState.PLAN_RECU
    elif on > deadline:
        state = PlanState.DELAI_DEPASSE
    else:
        state = PlanState.PLAN_ATTENDU
    return FollowUp(report, state, deadline, plan, on)


def last_month(plan: RepaymentPlan) -> date:
    return french.add_months(plan.first_month, plan.duration_months - 1)


def last_instalment(plan: RepaymentPlan) -> int:
    return plan.debt_cents - plan.monthly_amount_cents * (plan.duration_months - 1)


def within(days: int) -> str:
    """How soon a deadline falls, as a sentence says it."""
    return {0: "aujourd'hui", 1: "demain"}.get(days, f"dans {days} jours")


def _month(value: date) -> str:
    return french.month(value.year, value.month)


def explain(f: FollowUp, settings: Settings) -> str:
    debt = french.euros(f.report.amount_owed_cents)
    deadline = french.day(f.deadline)
    if f.state == PlanState.SANS_OBJET:
        return "L'impayé n'est pas constitué : la Caf ne demande pas de plan d'apurement."
    if f.state == PlanState.PROPOSE_PAR_CAF:
        return (
            f"La dette de {debt} ne dépasse pas "
            f"{french.euros(settings.repayment_small_debt_cents)} : la Caf propose elle-même le "
            f"plan d'apurement, au plus tard le {deadline} ; le bailleur et le locataire auront "
            f"{settings.repayment_agency_months} mois pour y répondre. Vous n'avez pas de plan "
            "à transmettre."
        )
    if f.state == PlanState.PLAN_RECU and f.plan is not None:
        p = f.plan
        return (
            f"Plan d'apurement transmis : {french.euros(p.monthly_amount_cents)} par mois "
            f"pendant {p.duration_months} mois, de {_month(p.first_month)} à "
            f"{_month(last_month(p))}, pour une dette de {french.euros(p.debt_cents)}."
        )
    if f.state == PlanState.DELAI_DEPASSE:
        return (
            f"Le délai pour transmettre le plan d'apurement a expiré le {deadline}. La Caf peut "
            "saisir le fonds de solidarité pour le logement (FSL) ; à défaut, le locataire devra "
            f"rembourser chaque mois 1/{settings.repayment_max_months} de la dette. "
            "Contactez la Caf."
        )
    return (
        f"Transmettez le plan d'apurement convenu avec le locataire pour la dette de {debt} au "
        f"plus tard le {deadline} ({within(f.days_left or 0)}). L'aide continue d'être versée "
        "pendant ce délai."
    )


async def get_report(ctx: Context, report_id: int, act: Act) -> UnpaidRentReport:
    """One report, or NOT_FOUND alike whether it is missing or outside the caller's scope."""
    report = await UnpaidRentReport.get_or_none(id=report_id).select_related("tenant__housing")
    if report is None or not await can_on_tenant(ctx, act, report.tenant):
        raise NotFound(REPORT_NOT_FOUND)
    return report


async def get_follow_up(ctx: Context, report_id: int) -> FollowUp:
    report = await get_report(ctx, report_id, Act.READ)
    plan = await RepaymentPlan.get_or_none(report_id=report.id)
    return follow_up(report, plan, ctx.settings, today())


# Loaders: a page of reports costs three queries for all their follow-ups, not three per report.
class UnpaidReportByIdLoader(ByIdLoader[UnpaidRentReport]):
    model = UnpaidRentReport


class PlanByReportIdLoader(DataLoader[int, RepaymentPlan | None]):
    def __init__(self) -> None:
        super().__init__(self._plans)

    async def _plans(self, ids: list[int]) -> list[RepaymentPlan | None]:
        rows = {p.report_id: p for p in await RepaymentPlan.filter(report_id__in=ids)}
        return [rows.get(i) for i in ids]


class RemindersByReportIdLoader(DataLoader[int, list[RepaymentReminder]]):
    def __init__(self) -> None:
        super().__init__(self._reminders)

    async def _reminders(self, ids: list[int]) -> list[list[RepaymentReminder]]:
        found: dict[int, list[RepaymentReminder]] = {i: [] for i in ids}
        for row in await RepaymentReminder.filter(report_id__in=ids).order_by("created_at", "id"):
            found[row.report_id].append(row)
        return [found[i] for i in ids]


class PlanReferenceLoader(DataLoader[int, str | None]):
    """The reference printed on each plan's receipt, by plan id."""

    def __init__(self) -> None:
        super().__init__(self._references)

    async def _references(self, ids: list[int]) -> list[str | None]:
        rows = dict(await Receipt.filter(kind=receipts.PLAN, target_id__in=ids)
                    .values_list("target_id", "reference"))
        return [rows.get(i) for i in ids]


async def load_follow_up(ctx: Context, report_id: int) -> FollowUp:
    """For a report the caller was already allowed to see (a field of UnpaidRentReport)."""
    report = await ctx.loader(UnpaidReportByIdLoader).load(report_id)
    if report is None:
        raise NotFound(REPORT_NOT_FOUND)
    plan = await ctx.loader(PlanByReportIdLoader).load(report_id)
    return follow_up(report, plan, ctx.settings, today())


async def reminders_of(ctx: Context, report_id: int) -> list[RepaymentReminder]:
    return await ctx.loader(RemindersByReportIdLoader).load(report_id)


# Submission


@dataclass(frozen=True)
class PlanRequest:
    report_id: int
    monthly_amount_cents: int
    first_month: date
    duration_months: int


def _months_needed(debt: int, monthly: int) -> int:
    return -(-debt // monthly)


def _amount_problems(req: PlanRequest, debt: int, max_months: int) -> dict[str, str]:
    monthly, months = req.monthly_amount_cents, req.duration_months
    if monthly <= 0:
        return {"monthlyAmountCents": "La mensualité doit être supérieure à 0 €."}
    if monthly > debt:
        return {"monthlyAmountCents": (
            f"La mensualité ne peut dépasser la dette de {french.euros(debt)}.")}
    if not 1 <= months <= max_months:
        return {"durationMonths": (
            f"La durée du plan doit être comprise entre 1 et {max_months} mois.")}
    needed = _months_needed(debt, monthly)
    if needed > max_months:
        least = -(-debt // max_months)
        return {"monthlyAmountCents": (
            f"À {french.euros(monthly)} par mois, la dette de {french.euros(debt)} ne serait pas "
            f"remboursée en {max_months} mois : prévoyez au moins {french.euros(least)} par mois."
        )}
    if months < needed:
        return {"durationMonths": (
            f"{months} mois à {french.euros(monthly)} font {french.euros(monthly * months)} : "
            f"cela ne couvre pas la dette de {french.euros(debt)} ; il faut {needed} mois."
        )}
    if months > needed:
        return {"durationMonths": (
            f"À {french.euros(monthly)} par mois, la dette de {french.euros(debt)} est soldée en "
            f"{needed} mois : indiquez une durée de {needed} mois."
        )}
    return {}


def _problems(req: PlanRequest, f: FollowUp, max_months: int) -> dict[str, str]:
    found = _amount_problems(req, f.report.amount_owed_cents, max_months)
    first = req.first_month.replace(day=1)
    earliest = reported_on(f.report).replace(day=1)
    latest = f.deadline.replace(day=1) if f.deadline else earliest
    if not earliest <= first <= latest:
        found["firstMonth"] = (
            f"Le premier mois de remboursement doit se situer entre {_month(earliest)} (mois du "
            f"signalement) et {_month(latest)} (mois de la date limite du plan)."
        )
    return found


def _refusal(f: FollowUp, settings: Settings) -> Conflict | None:
    """Why no plan can be submitted for this report now, if so."""
    if f.state == PlanState.PLAN_ATTENDU:
        return None
    if f.state == PlanState.PLAN_RECU:
        return Conflict(ALREADY_SUBMITTED)
    return Conflict(explain(f, settings))


def plan_rows(plan: RepaymentPlan, report_reference: str | None) -> list[tuple[str, str]]:
    rows = [
        ("Dette à rembourser", french.euros(plan.debt_cents)),
        ("Mensualité", french.euros(plan.monthly_amount_cents)),
        ("Premier mois", _month(plan.first_month)),
        ("Durée", f"{plan.duration_months} mois"),
        ("Dernier mois", _month(last_month(plan))),
        ("Dernière mensualité", french.euros(last_instalment(plan))),
    ]
    if report_reference:
        rows.insert(0, ("Signalement d'impayé", report_reference))
    return rows


async def submit_repayment_plan(ctx: Context, req: PlanRequest) -> tuple[FollowUp, Receipt]:
    report = await get_report(ctx, req.report_id, Act.DECLARE)
    s = ctx.settings
    current = follow_up(
        report, await RepaymentPlan.get_or_none(report_id=report.id), s, today()
    )
    if refusal := _refusal(current, s):
        raise refusal
    found = _problems(req, current, s.repayment_max_months)
    if found:
        raise Invalid(found)
    row = RepaymentPlan(
        report_id=report.id, debt_cents=report.amount_owed_cents,
        monthly_amount_cents=req.monthly_amount_cents,
        first_month=req.first_month.replace(day=1), duration_months=req.duration_months,
        created_by_id=ctx.user_id,
    )
    reported = await receipts.stored(receipts.UNPAID, report.id)
    rendered = await receipts.prepare(
        ctx, receipts.PLAN, "Plan d'apurement d'un impayé de loyer", report.tenant,
        [("Plan d'apurement proposé", plan_rows(row, reported.reference if reported else None))],
        ["Le plan a été transmis dans le délai. La Caf vous informera de la suite donnée."],
    )
    try:
        receipt = await rendered.save_with(ctx, row, "repayment_plan_submitted", "repayment_plan", {
            "report": report.id, "tenant": report.tenant_id, "debt_cents": row.debt_cents,
            "monthly_amount_cents": row.monthly_amount_cents, "first_month": row.first_month,
            "duration_months": row.duration_months, "deadline": current.deadline,
        })
    except IntegrityError as exc:  # another submission for this report committed first
        raise Conflict(ALREADY_SUBMITTED) from exc
    return follow_up(report, row, s, today()), receipt
