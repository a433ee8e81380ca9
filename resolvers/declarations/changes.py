"""« Déclarer un changement »: departure, end of management, co-tenants, non-decency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.transactions import in_transaction

from models import ChangeDeclaration, Receipt
from models.enums import ChangeKind
from policies.vocabulary import Act
from resolvers.audit.actor import record_action
from resolvers.declarations import receipts
from resolvers.declarations.tenants import get_tenant
from resolvers.shared import french
from resolvers.shared.clock import today
from resolvers.shared.context import Context
from resolvers.shared.errors import Invalid

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


def _problems(
    req: ChangeRequest, occupied_since: date | None, max_co_tenants: int
) -> dict[str, str]:
    found: dict[str, str] = {}
    if req.event_date > today():
        found["eventDate"] = "La date du changement ne peut pas être postérieure à aujourd'hui."
    elif occupied_since and req.event_date < occupied_since:
        found["eventDate"] = (
            "La date du changement précède l'entrée dans le logement "
            f"({french.day(occupied_since)})."
        )
    if req.kind == ChangeKind.FIN_GESTION and req.reason is None:
        found["reason"] = "Indiquez le motif de la fin de gestion (vente, décès, fin de mandat)."
    if req.kind != ChangeKind.FIN_GESTION and req.reason is not None:
        found["reason"] = "Le motif ne concerne que la fin de gestion."
    if req.kind == ChangeKind.COLOCATAIRES:
        if req.co_tenant_count is None or not 0 <= req.co_tenant_count <= max_co_tenants:
            found["coTenantCount"] = (
                f"Indiquez le nouveau nombre de colocataires (de 0 à {max_co_tenants})."
            )
    elif req.co_tenant_count is not None:
        found["coTenantCount"] = "Le nombre de colocataires ne concerne que ce type de changement."
    if req.comment is not None and len(req.comment) > 1000:
        found["comment"] = "Le commentaire ne peut dépasser 1 000 caractères."
    return found


def notices(row: ChangeDeclaration, notice_days: int, hold_months: int) -> list[str]:
    """What the landlord should know once the change is recorded."""
    if row.kind == ChangeKind.DEPART:
        out = ["L'aide du mois de départ reste due si le loyer de ce mois a été payé en entier."]
        if row.late:
            out.insert(
                0,
                (
                    f"Ce départ du {french.day(row.event_date)} est déclaré plus d'un mois après "
                    f"({notice_days} jours) : l'aide versée à tort depuis pourra vous "
                    "être réclamée."
                ),
            )
        return out
    if row.kind == ChangeKind.FIN_GESTION:
        return [
            "Vous n'êtes plus le gestionnaire du logement : la Caf cessera de vous verser "
            "l'aide de ce locataire et pourra vous contacter."
        ]
    if row.kind == ChangeKind.NON_DECENCE:
        return [
            f"L'aide est conservée par la Caf jusqu'à {hold_months} mois : elle vous sera "
            "versée si les travaux de mise en conformité sont faits à temps, perdue sinon."
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
    if row.comment:
        rows.append(("Précisions", row.comment))
    if row.late:
        rows.append(("Déclaré après le délai", "oui"))
    return rows


async def declare_change(
    ctx: Context, req: ChangeRequest
) -> tuple[ChangeDeclaration, Receipt]:
    tenant = await get_tenant(ctx, req.tenant_id, Act.DECLARE)
    found = _problems(req, tenant.occupied_since, ctx.settings.max_co_tenants)
    if found:
        raise Invalid(found)
    late = req.kind == ChangeKind.DEPART and (
        (today() - req.event_date).days > ctx.settings.departure_notice_days
    )
    row = ChangeDeclaration(
        tenant=tenant,
        kind=req.kind,
        event_date=req.event_date,
        reason=req.reason,
        co_tenant_count=req.co_tenant_count,
        comment=req.comment,
        late=late,
        created_by_id=ctx.user_id,
    )
    s = ctx.settings
    rendered = await receipts.prepare(
        ctx, receipts.CHANGE, f"Déclaration de changement : {TITLES[req.kind]}", tenant,
        [("Changement déclaré", receipt_rows(row))],
        notices(row, s.departure_notice_days, s.non_decency_hold_months),
    )
    async with in_transaction():
        await row.save()
        receipt = await rendered.store(row.id)
        await record_action(
            ctx,
            "change_declared",
            organisation_id=tenant.housing.organisation_id,
            target_type="change_declaration",
            target_id=row.id,
            after={
                "tenant": tenant.id,
                "kind": req.kind.value,
                "event_date": req.event_date,
                "reason": req.reason,
                "co_tenant_count": req.co_tenant_count,
                "late": late,
                "reference": receipt.reference,
                "receiptSha256": receipt.sha256,
            },
        )
    row.tenant = tenant
    return row, receipt
