"""« Signaler un impayé »: when unpaid rent is constituted (CCH R824-1) and the report deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.transactions import in_transaction

from models import Receipt, RentDeclaration, UnpaidRentReport
from models.enums import DeclarationState
from policies.vocabulary import Act
from resolvers.audit.actor import record_action
from resolvers.declarations import receipts
from resolvers.declarations.tenants import get_tenant
from resolvers.shared import french
from resolvers.shared.clock import today
from resolvers.shared.context import Context
from resolvers.shared.errors import Invalid


@dataclass(frozen=True)
class UnpaidRequest:
    tenant_id: int
    amount_owed_cents: int
    months: int
    unpaid_since: date
    rent_cents: int | None = None
    charges_cents: int | None = None
    benefit_paid_to_landlord: bool = True


@dataclass(frozen=True)
class Assessment:
    rent_cents: int
    charges_cents: int
    benefit_cents: int
    threshold_cents: int
    constituted: bool
    constituted_on: date | None
    deadline: date | None
    late: bool


def threshold(rent: int, charges: int, benefit: int, months: int) -> int:
    """`months` × the tenant's monthly share: rent + charges − the benefit paid to the landlord
    (nothing is deducted when the benefit goes to the tenant)."""
    return max(months * (rent + charges - benefit), 0)


def assess(
    amount: int,
    months: int,
    since: date,
    rent: int,
    charges: int,
    benefit: int,
    threshold_months: int,
    report_months: int,
    on: date,
) -> Assessment:
    limit = threshold(rent, charges, benefit, threshold_months)
    constituted = amount > 0 and amount >= limit
    constituted_on = deadline = None
    if constituted:
        # The debt is taken as accruing evenly over the unpaid months: it reaches the threshold
        # at the due date of the k-th unpaid month.
        k = max(1, -(-limit * months // amount))
        constituted_on = french.add_months(since, min(k, months) - 1)
        deadline = french.add_months(constituted_on, report_months)
    return Assessment(
        rent,
        charges,
        benefit,
        limit,
        constituted,
        constituted_on,
        deadline,
        deadline is not None and on > deadline,
    )


async def _known_amounts(tenant_id: int) -> tuple[int | None, int | None]:
    last = (
        await RentDeclaration.filter(tenant_id=tenant_id, state=DeclarationState.TRANSMIS)
        .order_by("-year")
        .first()
    )
    return (last.rent_cents, last.charges_cents) if last else (None, None)


def _problems(req: UnpaidRequest, rent, charges, occupied_since: date | None) -> dict[str, str]:
    found: dict[str, str] = {}
    if req.amount_owed_cents <= 0:
        found["amountOwedCents"] = "Le montant dû doit être supérieur à 0 €."
    if req.unpaid_since > today():
        found["unpaidSince"] = (
            "La date de début de l'impayé ne peut pas être postérieure à aujourd'hui."
        )
    elif occupied_since and req.unpaid_since < occupied_since:
        found["unpaidSince"] = (
            "L'impayé ne peut commencer avant l'entrée dans le logement "
            f"({french.day(occupied_since)})."
        )
    elapsed = french.months_between(req.unpaid_since, today()) + 1
    if not 1 <= req.months <= max(elapsed, 1):
        found["months"] = (
            f"Le nombre de mois impayés doit être compris entre 1 et {max(elapsed, 1)}."
        )
    if rent is None or rent <= 0:
        found["rentCents"] = "Indiquez le loyer mensuel hors charges (supérieur à 0 €)."
    if charges is None or charges < 0:
        found["chargesCents"] = "Indiquez les charges mensuelles (0 s'il n'y en a pas)."
    return found


async def report_unpaid_rent(
    ctx: Context, req: UnpaidRequest
) -> tuple[UnpaidRentReport, Assessment, Receipt]:
    tenant = await get_tenant(ctx, req.tenant_id, Act.DECLARE)
    known_rent, known_charges = await _known_amounts(tenant.id)
    rent = req.rent_cents if req.rent_cents is not None else (known_rent or tenant.last_rent_cents)
    charges = req.charges_cents if req.charges_cents is not None else known_charges
    found = _problems(req, rent, charges, tenant.occupied_since)
    if found or rent is None or charges is None:  # _problems names missing amounts
        raise Invalid(found)
    benefit = (tenant.benefit_cents or 0) if req.benefit_paid_to_landlord else 0
    s = ctx.settings
    result = assess(
        req.amount_owed_cents,
        req.months,
        req.unpaid_since,
        rent,
        charges,
        benefit,
        s.unpaid_threshold_months,
        s.unpaid_report_months,
        today(),
    )
    row = UnpaidRentReport(
        tenant=tenant,
        amount_owed_cents=req.amount_owed_cents,
        months=req.months,
        unpaid_since=req.unpaid_since,
        rent_cents=rent,
        charges_cents=charges,
        benefit_cents=benefit,
        threshold_cents=result.threshold_cents,
        constituted=result.constituted,
        report_deadline=result.deadline,
        created_by_id=ctx.user_id,
    )
    rows = [
        ("Montant dû", french.euros(row.amount_owed_cents)),
        ("Nombre de mois impayés", str(row.months)),
        ("Impayé depuis le", french.day(row.unpaid_since)),
        ("Loyer mensuel hors charges", french.euros(rent)),
        ("Charges mensuelles", french.euros(charges)),
        ("Aide versée au bailleur", french.euros(benefit)),
        ("Seuil de constitution", french.euros(result.threshold_cents)),
    ]
    rendered = await receipts.prepare(
        ctx, receipts.UNPAID, "Signalement d'impayé de loyer", tenant,
        [("Impayé signalé", rows)],
        [explain_unpaid_rent(row, result, s.unpaid_threshold_months, s.unpaid_report_months)],
    )
    async with in_transaction():
        await row.save()
        receipt = await rendered.store(row.id)
        await record_action(
            ctx,
            "unpaid_rent_reported",
            organisation_id=tenant.housing.organisation_id,
            target_type="unpaid_rent_report",
            target_id=row.id,
            after={
                "tenant": tenant.id,
                "amount_owed_cents": req.amount_owed_cents,
                "months": req.months,
                "unpaid_since": req.unpaid_since,
                "threshold_cents": result.threshold_cents,
                "constituted": result.constituted,
                "report_deadline": result.deadline,
                "reference": receipt.reference,
                "receiptSha256": receipt.sha256,
            },
        )
    row.tenant = tenant
    return row, result, receipt


def explain_unpaid_rent(
    row: UnpaidRentReport, a: Assessment, threshold_months: int, report_months: int
) -> str:
    share = "loyer + charges − aide versée au bailleur" if a.benefit_cents else "loyer + charges"
    rule = f"{french.euros(a.threshold_cents)} = {threshold_months} × ({share})"
    debt = french.euros(row.amount_owed_cents)
    if not a.constituted:
        return (
            f"L'impayé n'est pas constitué : la dette de {debt} n'atteint pas le seuil de {rule}. "
            f"Il devra être signalé dans les {report_months} mois suivant sa constitution."
        )
    text = (
        f"L'impayé est constitué depuis le {french.day(a.constituted_on)} : la dette de {debt} "
        f"atteint le seuil de {rule}. "
    )
    if a.late:
        return text + (
            f"Le délai de signalement de {report_months} mois a expiré le "
            f"{french.day(a.deadline)} : "
            "vous vous exposez à une pénalité."
        )
    return text + f"Il devait être signalé au plus tard le {french.day(a.deadline)} : c'est fait."
