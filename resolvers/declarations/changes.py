"""« Déclarer un changement »: departure, end of management, co-tenants, non-decency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.exceptions import IntegrityError

from models import ChangeDeclaration, Receipt, RentDeclaration
from models.enums import ChangeKind, DeclarationState
from policies.vocabulary import Act
from resolvers.audit import history as placements
from resolvers.declarations import receipts
from resolvers.declarations.tenants import get_tenant
from resolvers.shared import french
from resolvers.shared.clock import paris_start_of, today
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, Invalid

# Stored reasons for an end of management.
END_REASONS = {
    "vente": "vente du logement",
    "deces": "décès",
    "fin_mandat": "fin du mandat de gestion",
}


@dataclass(frozen=True)
class ChangeRequest:
    tenant_id: int
    kind: ChangeKind
    event_date: date
    reason: str | None = None
    co_tenant_count: int | None = None
    comment: str | None = None
    new_address: str | None = None
    # Was the rent of the month of departure paid in full? (None: not asked, `declareChange`.)
    departure_month_paid: bool | None = None
    # The public name of the date in the caller's input (typed mutations name it their own way).
    date_field: str = "eventDate"


MAX_ADDRESS = 300


def _departure_problems(req: ChangeRequest) -> dict[str, str]:
    found: dict[str, str] = {}
    if req.kind != ChangeKind.DEPART:
        if req.new_address is not None:
            found["newAddress"] = "La nouvelle adresse ne concerne que le départ du locataire."
        if req.departure_month_paid is not None:
            found["departureMonthRentPaidInFull"] = (
                "Le paiement du mois de départ ne concerne que le départ du locataire."
            )
    elif req.new_address is not None and not 1 <= len(req.new_address) <= MAX_ADDRESS:
        found["newAddress"] = (
            f"Indiquez la nouvelle adresse ({MAX_ADDRESS} caractères au plus), ou rien si elle "
            "n'est pas connue."
        )
    return found


def _co_tenant_problems(req: ChangeRequest, known: int | None, maximum: int) -> dict[str, str]:
    if req.kind != ChangeKind.COLOCATAIRES:
        if req.co_tenant_count is None:
            return {}
        return {"coTenantCount": "Le nombre de colocataires ne concerne que ce type de changement."}
    if req.co_tenant_count is None or not 0 <= req.co_tenant_count <= maximum:
        return {"coTenantCount": f"Indiquez le nouveau nombre de colocataires (de 0 à {maximum})."}
    if req.co_tenant_count == known:
        return {"coTenantCount": f"La Caf connaît déjà {known} colocataire(s) : rien ne change."}
    return {}


def _problems(
    req: ChangeRequest, occupied_since: date | None, max_co_tenants: int,
    known_co_tenants: int | None = None,
) -> dict[str, str]:
    found: dict[str, str] = _departure_problems(req)
    if req.event_date > today():
        found[req.date_field] = "La date du changement ne peut pas être postérieure à aujourd'hui."
    elif occupied_since and req.event_date < occupied_since:
        found[req.date_field] = (
            "La date du changement précède l'entrée dans le logement "
            f"({french.day(occupied_since)})."
        )
    if req.kind == ChangeKind.FIN_GESTION and req.reason is None:
        found["reason"] = "Indiquez le motif de la fin de gestion (vente, décès, fin de mandat)."
    if req.kind != ChangeKind.FIN_GESTION and req.reason is not None:
        found["reason"] = "Le motif ne concerne que la fin de gestion."
    found.update(_co_tenant_problems(req, known_co_tenants, max_co_tenants))
    if req.comment is not None and len(req.comment) > 1000:
        found["comment"] = "Le commentaire ne peut dépasser 1 000 caractères."
    return found


def benefit_held_until(row: ChangeDeclaration, hold_months: int) -> date | None:
    """Non-decency: the latest day until which the agency holds the benefit back (from the day
    the non-decency was found) [inferred: the agency's own decision date is not known here]."""
    if row.kind != ChangeKind.NON_DECENCE:
        return None
    return french.add_months(row.event_date, hold_months)


def departure_month_benefit_due(row: ChangeDeclaration) -> bool | None:
    """The benefit of the month of departure is due if that month's rent was paid in full."""
    return row.departure_month_paid if row.kind == ChangeKind.DEPART else None


def _departure_notices(row: ChangeDeclaration, notice_days: int) -> list[str]:
    month = french.month(row.event_date.year, row.event_date.month)
    if row.departure_month_paid is None:
        out = ["L'aide du mois de départ reste due si le loyer de ce mois a été payé en entier."]
    elif row.departure_month_paid:
        out = [f"L'aide du mois de départ ({month}) vous reste due : son loyer a été payé en "
               "entier."]
    else:
        out = [f"L'aide du mois de départ ({month}) n'est pas due : son loyer n'a pas été payé "
               "en entier."]
    if row.new_address:
        out.append("La nouvelle adresse du locataire est transmise à la Caf.")
    if row.late:
        out.insert(0, (
            f"Ce départ du {french.day(row.event_date)} est déclaré plus d'un mois après "
            f"({notice_days} jours) : l'aide versée à tort depuis pourra vous être réclamée."
        ))
    return out


def notices(row: ChangeDeclaration, notice_days: int, hold_months: int) -> list[str]:
    """What the landlord should know once the change is recorded."""
    if row.kind == ChangeKind.DEPART:
        return _departure_notices(row, notice_days)
    if row.kind == ChangeKind.FIN_GESTION:
        return [
            "Vous n'êtes plus le gestionnaire du logement : la Caf cessera de vous verser "
            "l'aide de ce locataire et pourra vous contacter."
        ]
    if row.kind == ChangeKind.NON_DECENCE:
        until = french.day(benefit_held_until(row, hold_months))
        return [
            f"L'aide est conservée par la Caf jusqu'à {hold_months} mois (au plus tard jusqu'au "
            f"{until}) : elle vous sera versée si les travaux de mise en conformité sont faits "
            "à temps, perdue sinon."
        ]
    return ["La Caf mettra à jour la composition du foyer du locataire."]


TITLES = {
    ChangeKind.DEPART: "départ du locataire",
    ChangeKind.FIN_GESTION: "fin de gestion du logement",
    ChangeKind.COLOCATAIRES: "nombre de colocataires",
    ChangeKind.NON_DECENCE: "logement non décent",
}
REASONS = {"vente": "vente du logement", "deces": "décès", "fin_mandat": "fin du mandat"}


def receipt_rows(row: ChangeDeclaration) -> list[tuple[str, str]]:
    rows = [("Nature du changement", TITLES[row.kind]),
            ("Date du changement", french.day(row.event_date))]
    if row.reason:
        rows.append(("Motif", REASONS.get(row.reason, row.reason)))
    if row.co_tenant_count is not None:
        rows.append(("Nombre de colocataires", str(row.co_tenant_count)))
    if row.kind == ChangeKind.DEPART:
        rows.append(("Nouvelle adresse du locataire", row.new_address or "Inconnue"))
    if row.departure_month_paid is not None:
        rows.append(("Loyer du mois de départ payé en entier",
                     french.yes_no(row.departure_month_paid)))
    if row.comment:
        rows.append(("Précisions", row.comment))
    if row.late:
        rows.append(("Déclaré après le délai", "oui"))
    return rows


async def _known_co_tenants(tenant_id: int) -> int | None:
    """The number of co-tenants the agency last heard of: the latest change, else the latest
    transmitted declaration (None when neither says)."""
    change = await ChangeDeclaration.filter(
        tenant_id=tenant_id, kind=ChangeKind.COLOCATAIRES).order_by("-id").first()
    if change is not None:
        return change.co_tenant_count
    declared = await RentDeclaration.filter(
        tenant_id=tenant_id, state=DeclarationState.TRANSMIS).order_by("-year").first()
    if declared is None or declared.colocation is None:
        return None
    return declared.co_tenant_count if declared.colocation else 0


async def _ensure_not_departed(tenant_id: int) -> None:
    earlier = await ChangeDeclaration.get_or_none(tenant_id=tenant_id, kind=ChangeKind.DEPART)
    if earlier is not None:
        receipt = await receipts.stored(receipts.CHANGE, earlier.id)
        raise Conflict(
            f"Le départ de ce locataire a déjà été déclaré (départ du "
            f"{french.day(earlier.event_date)}"
            + (f", référence {receipt.reference}" if receipt else "")
            + ") : pour le corriger, contactez la Caf.",
            changeDeclarationId=str(earlier.id),
        )


async def declare_change(
    ctx: Context, req: ChangeRequest
) -> tuple[ChangeDeclaration, Receipt]:
    """Record a change with its receipt and audit event. A tenant's departure is declared once:
    a second one is a CONFLICT, also when both arrive at once (a unique index decides)."""
    tenant = await get_tenant(ctx, req.tenant_id, Act.DECLARE)
    known = await _known_co_tenants(tenant.id) if req.kind == ChangeKind.COLOCATAIRES else None
    found = _problems(req, tenant.occupied_since, ctx.settings.max_co_tenants, known)
    if found:
        raise Invalid(found)
    if req.kind == ChangeKind.DEPART:
        await _ensure_not_departed(tenant.id)  # the usual case, before rendering a receipt
    late = req.kind == ChangeKind.DEPART and (
        (today() - req.event_date).days > ctx.settings.departure_notice_days
    )
    row = ChangeDeclaration(
        tenant=tenant, kind=req.kind, event_date=req.event_date, reason=req.reason,
        co_tenant_count=req.co_tenant_count, comment=req.comment, late=late,
        new_address=req.new_address, departure_month_paid=req.departure_month_paid,
        created_by_id=ctx.user_id,
    )
    s = ctx.settings

    async def date_departure() -> None:
        """As-of answers see the departure from its effective day's start in Europe/Paris."""
        await placements.date_departure(tenant.id, tenant.housing_id,
                                        paris_start_of(req.event_date))

    rendered = await receipts.prepare(
        ctx, receipts.CHANGE, f"Déclaration de changement : {TITLES[req.kind]}", tenant,
        [("Changement déclaré", receipt_rows(row))],
        notices(row, s.departure_notice_days, s.non_decency_hold_months),
    )
    try:
        receipt = await rendered.save_with(ctx, row, "change_declared", "change_declaration", {
            "tenant": tenant.id,
            "kind": req.kind.value,
            "event_date": req.event_date,
            "reason": req.reason,
            "co_tenant_count": req.co_tenant_count,
            "new_address_known": req.new_address is not None,
            "departure_month_paid": req.departure_month_paid,
            "late": late,
        }, then=date_departure if req.kind == ChangeKind.DEPART else None)
    except IntegrityError:
        if req.kind != ChangeKind.DEPART:
            raise
        await _ensure_not_departed(tenant.id)  # declared meanwhile, by a parallel request
        raise
    row.tenant = tenant
    return row, receipt
