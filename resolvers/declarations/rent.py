"""The July rent declaration wizard: start, save one step, validate (transmit) once."""

from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Organisation, RentDeclaration, User
from models.enums import DeclarationState
from policies.vocabulary import Act
from resolvers.audit.actor import record_action
from resolvers.declarations import receipts
from resolvers.declarations.rent_rules import (
    Facts,
    amount_is_unusual,
    answers_of,
    find_problems,
    merge,
    rent_is_due,
)
from resolvers.declarations.rent_summary import Summary, summarize
from resolvers.declarations.tenants import get_tenant
from resolvers.shared import french
from resolvers.shared.clock import now, today
from resolvers.shared.context import Context
from resolvers.shared.errors import Conflict, Invalid, NotFound, invalid

TARGET = "rent_declaration"


async def get_declaration(
    ctx: Context, declaration_id: int, act: Act = Act.READ
) -> RentDeclaration:
    """One declaration with its tenant and housing; NOT_FOUND alike if missing or out of scope."""
    row = await RentDeclaration.get_or_none(id=declaration_id)
    if row is None:
        raise NotFound("Déclaration introuvable.")
    try:
        row.tenant = await get_tenant(ctx, row.tenant_id, act)
    except NotFound:
        raise NotFound("Déclaration introuvable.") from None
    return row


def facts_of(ctx: Context, row: RentDeclaration) -> Facts:
    return Facts(
        occupied_since=row.tenant.occupied_since,
        reference_day=date(row.year, ctx.settings.campaign_month, 1),
        today=today(),
        max_co_tenants=ctx.settings.max_co_tenants,
    )


def summary_of(ctx: Context, row: RentDeclaration) -> Summary:
    s = ctx.settings
    month = french.month(row.year, s.campaign_month)
    return summarize(row, facts_of(ctx, row), month, s.rent_min_cents, s.rent_max_cents)


async def start_rent_declaration(ctx: Context, tenant_id: int, year: int | None) -> RentDeclaration:
    """The tenant's declaration for the campaign, created (not yet entered) on first opening."""
    tenant = await get_tenant(ctx, tenant_id, Act.DECLARE)
    campaign = ctx.settings.campaign_year
    if year is not None and year != campaign:
        raise invalid("year", f"Seule la campagne {campaign} est ouverte à la saisie.")
    row = await RentDeclaration.get_or_none(tenant_id=tenant.id, year=campaign)
    if row is None:
        try:
            async with in_transaction():
                row = await RentDeclaration.create(
                    tenant=tenant,
                    year=campaign,
                    state=DeclarationState.NON_SAISI,
                    created_by_id=ctx.user_id,
                )
                await record_action(
                    ctx,
                    "declaration_started",
                    organisation_id=tenant.housing.organisation_id,
                    target_type=TARGET,
                    target_id=row.id,
                    after={"year": campaign},
                )
        except IntegrityError:  # opened at the same moment elsewhere: use that one
            row = await RentDeclaration.get(tenant_id=tenant.id, year=campaign)
    row.tenant = tenant
    return row


def _ensure_open(row: RentDeclaration) -> None:
    if row.state == DeclarationState.TRANSMIS:
        when = french.moment(row.transmitted_at) if row.transmitted_at else ""
        raise Conflict(
            f"Cette déclaration a été transmise à la Caf le {when} : elle ne peut plus être "
            "modifiée en ligne. Pour la corriger, contactez la Caf."
        )


async def save_rent_declaration(
    ctx: Context, declaration_id: int, given: dict[str, Any]
) -> RentDeclaration:
    """One wizard step: only the answers given change; inconsistent answers are refused."""
    row = await get_declaration(ctx, declaration_id, Act.DECLARE)
    _ensure_open(row)
    current = answers_of(row)
    merged = merge(current, given)
    found = find_problems(merged, facts_of(ctx, row), complete=False)
    if found:
        raise Invalid(found)
    changes: dict[str, Any] = {k: v for k, v in merged.items() if v != current[k]}
    if not changes and row.state == DeclarationState.BROUILLON:
        return row  # nothing new: no write, no audit event
    if {"rent_cents", "charges_cents"} & changes.keys():
        changes["amount_confirmed"] = False  # a new amount must be confirmed again
    changes["state"] = DeclarationState.BROUILLON
    async with in_transaction():
        # Conditional: a save racing a transmission must not alter what was transmitted.
        updated = (
            await RentDeclaration.filter(id=row.id)
            .exclude(state=DeclarationState.TRANSMIS)
            .update(**changes, updated_at=now())
        )
        if not updated:
            await row.refresh_from_db()
            _ensure_open(row)
        await record_action(
            ctx,
            "declaration_saved",
            organisation_id=row.tenant.housing.organisation_id,
            target_type=TARGET,
            target_id=row.id,
            before={k: current[k] for k in changes if k in current},
            after={k: v for k, v in changes.items() if k in current},
        )
    for name, value in changes.items():
        setattr(row, name, value)
    return row


def _check_amount(ctx: Context, row: RentDeclaration, confirmed: bool) -> bool:
    """True when the rent is unusual (and confirmed); asks for confirmation otherwise."""
    s = ctx.settings
    values = answers_of(row)
    unusual = rent_is_due(values, facts_of(ctx, row)) and amount_is_unusual(
        values, s.rent_min_cents, s.rent_max_cents
    )
    if unusual and not (confirmed or row.amount_confirmed):
        raise Invalid(
            {
                "rentCents": (
                    f"Le loyer de {french.euros(row.rent_cents)} sort des montants habituels "
                    f"({french.euros(s.rent_min_cents)} à {french.euros(s.rent_max_cents)}). "
                    "Vérifiez-le, puis confirmez-le pour transmettre la déclaration."
                )
            },
            confirmationRequired=True,
        )
    return unusual


async def validate_rent_declaration(
    ctx: Context, declaration_id: int, confirm_amount: bool
) -> RentDeclaration:
    """Transmit the declaration to the agency, exactly once even when asked twice at once, with
    its receipt: rendered from the answers about to be transmitted before the transaction (the
    render takes tens of ms, no lock is held meanwhile) and stored in it if they did not change
    meanwhile; a save that slipped in is transmitted instead, with a receipt of its own."""
    for _ in range(3):
        transmitted = await _transmit(ctx, declaration_id, confirm_amount)
        if transmitted is not None:
            return transmitted
    raise Conflict("La déclaration change sans cesse pendant sa transmission : réessayez.")


async def _transmit(
    ctx: Context, declaration_id: int, confirm_amount: bool
) -> RentDeclaration | None:
    """The transmitted declaration, or None when its answers changed while the receipt was
    being rendered."""
    row = await get_declaration(ctx, declaration_id, Act.DECLARE)
    tenant = row.tenant
    _check_complete(ctx, row)
    previous, answers = row.state.value, answers_of(row)
    reference, moment = f"DL{row.year}-{tenant.allocataire_number}", now()
    changes: dict[str, Any] = {
        "state": DeclarationState.TRANSMIS,
        "reference": reference,
        "validated_by_id": ctx.user_id,
        "transmitted_at": moment,
        "amount_confirmed": _check_amount(ctx, row, confirm_amount),
    }
    organisation_id = tenant.housing.organisation_id
    code, transmitted = receipts.new_code(), _with(row, changes)
    pdf = await receipts.render(receipts.rent_receipt_html(
        transmitted, await Organisation.get(id=organisation_id),
        await User.get_or_none(id=ctx.user_id), summary_of(ctx, transmitted),
        ctx.settings.campaign_month, code,
    ))
    async with in_transaction():
        locked = await RentDeclaration.filter(id=row.id).select_for_update().get()
        _ensure_open(locked)
        if answers_of(locked) != answers:
            return None
        updated = (
            await RentDeclaration.filter(id=row.id)
            .exclude(state=DeclarationState.TRANSMIS)
            .update(**changes, updated_at=changes["transmitted_at"])
        )
        if not updated:
            await locked.refresh_from_db()
            _ensure_open(locked)
        receipt = await receipts.store(receipts.RENT, row.id, organisation_id, reference, pdf,
                                       code, moment)
        await record_action(
            ctx,
            "declaration_transmitted",
            organisation_id=organisation_id,
            target_type=TARGET,
            target_id=row.id,
            before={"state": previous},
            after={
                "state": DeclarationState.TRANSMIS.value,
                "reference": receipt.reference,
                "year": row.year,
                "answers": answers,
                "receiptSha256": receipt.sha256,
            },
        )
    return transmitted


def _with(row: RentDeclaration, changes: dict[str, Any]) -> RentDeclaration:
    for name, value in changes.items():
        setattr(row, name, value)
    return row


def _check_complete(ctx: Context, row: RentDeclaration) -> None:
    _ensure_open(row)
    found = find_problems(answers_of(row), facts_of(ctx, row), complete=True)
    if found:
        raise Invalid(
            found, "La déclaration est incomplète ou incohérente : " + " ".join(found.values())
        )


def receipt_url(row: RentDeclaration) -> str | None:
    return f"/receipts/{row.id}.pdf" if row.state == DeclarationState.TRANSMIS else None
