"""Receipt PDFs served at /receipts/<id>.pdf, as stored when the declaration was transmitted
(resolvers.declarations.receipts), to whoever may read the declaration."""

from __future__ import annotations

from starlette.responses import Response

from models import ChangeDeclaration, RepaymentPlan, UnpaidRentReport
from models.enums import DeclarationState
from models.validators import parse_object_id
from policies.vocabulary import Act
from resolvers.declarations import receipts
from resolvers.declarations.rent import get_declaration, rent_receipt_pdf
from resolvers.declarations.tenants import get_tenant
from resolvers.shared.context import Context
from resolvers.shared.errors import NotFound

RECEIPT_NOT_FOUND = "Reçu introuvable."


async def receipt_pdf(context: Context, declaration_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of a transmitted declaration the caller may read; NotFound otherwise."""
    row = await get_declaration(context, declaration_id, Act.READ)
    if row.state != DeclarationState.TRANSMIS:
        raise NotFound(RECEIPT_NOT_FOUND)
    stored = await receipts.stored(receipts.RENT, row.id)
    if stored is None:  # transmitted before receipts were stored: rendered and kept now, once
        stored = await _store_late(context, row)
    return f"declaration-{row.reference}.pdf", bytes(stored.pdf)


async def _store_late(context: Context, row):  # noqa: ANN001, ANN202 - RentDeclaration, Receipt
    from tortoise.exceptions import IntegrityError

    code = receipts.new_code()
    pdf = await rent_receipt_pdf(context, row, row.validated_by_id, code)
    try:
        return await receipts.store(receipts.RENT, row.id, row.tenant.housing.organisation_id,
                                    row.reference, pdf, code, row.transmitted_at)
    except IntegrityError:  # another request stored it first: serve that one
        return await receipts.stored(receipts.RENT, row.id)


async def record_pdf(context: Context, kind: str, record_id: int) -> tuple[str, bytes]:
    """A change's, an unpaid report's or a repayment plan's receipt, to whoever may read its
    tenant."""
    model = {receipts.CHANGE: ChangeDeclaration, receipts.UNPAID: UnpaidRentReport,
             receipts.PLAN: RepaymentPlan}[kind]
    tenant = "report__tenant_id" if kind == receipts.PLAN else "tenant_id"
    tenant_id = await model.filter(id=record_id).first().values_list(tenant, flat=True)
    if not isinstance(tenant_id, int):
        raise NotFound(RECEIPT_NOT_FOUND)
    # The scope first (NotFound outside it): no stored PDF is read for a caller who may not.
    await get_tenant(context, tenant_id, Act.READ)
    stored = await receipts.stored(kind, record_id)
    if stored is None:
        raise NotFound(RECEIPT_NOT_FOUND)
    return f"{stored.reference}.pdf", bytes(stored.pdf)


async def receipt_response(context: Context, record_id: str, kind: str = receipts.RENT
                           ) -> Response:
    # Anonymous callers, other organisations and callers outside the scope all get the same 404.
    p = context.principal
    known = kind in (receipts.RENT, receipts.CHANGE, receipts.UNPAID, receipts.PLAN)
    number = parse_object_id(record_id)
    if p is None or p.restricted or p.user_id is None or number is None or not known:
        raise NotFound(RECEIPT_NOT_FOUND)
    try:
        if kind == receipts.RENT:
            name, pdf = await receipt_pdf(context, number)
        else:
            name, pdf = await record_pdf(context, kind, number)
    except NotFound as exc:  # the same words whatever was missing
        raise NotFound(RECEIPT_NOT_FOUND) from exc
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
