"""Receipt PDFs served at /receipts/<id>.pdf: the récapitulatif of a transmitted declaration,
rendered from an HTML template by xhtml2pdf, to whoever may read the declaration."""

from __future__ import annotations

import io
from html import escape
from pathlib import Path
from string import Template

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response
from xhtml2pdf import pisa

from models import Organisation, RentDeclaration, User
from models.enums import DeclarationState
from models.validators import parse_object_id
from policies.vocabulary import Act
from resolvers.declarations.rent import get_declaration, summary_of
from resolvers.declarations.rent_summary import Summary, last_known
from resolvers.shared import french
from resolvers.shared.context import Context
from resolvers.shared.errors import NotFound

TEMPLATE = Template((Path(__file__).parent / "templates" / "receipt.html").read_text("utf-8"))


def _section_html(summary: Summary) -> str:
    parts = []
    for section in summary.sections:
        rows = "".join(
            f'<tr><td class="label">{escape(a.label)}</td>'
            f'<td class="value">{escape(a.value)}</td></tr>'
            for a in section.answers
        )
        parts.append(f"<h2>{section.number}. {escape(section.title)}</h2><table>{rows}</table>")
    return "\n".join(parts)


def receipt_html(
    row: RentDeclaration,
    organisation: Organisation,
    validated_by: User | None,
    summary: Summary,
    campaign_month: int,
) -> str:
    known = last_known(row.tenant, row.year, campaign_month)
    by = (
        f"{validated_by.first_name} {validated_by.last_name} ({validated_by.identifier})"
        if validated_by
        else ""
    )
    notices = "".join(f'<p class="notice">{escape(n)}</p>' for n in summary.notices)
    values = {
        "reference": row.reference or "",
        "transmitted_at": french.moment(row.transmitted_at) if row.transmitted_at else "",
        "validated_by": by.strip(),
        "organisation": organisation.name,
        "user_number": organisation.user_number,
        "tenant_name": known.tenant_name,
        "allocataire_number": known.allocataire_number,
        "address": known.address,
        "occupied_since": french.day(known.occupied_since),
        "last_rent_month": known.last_rent_month,
        "last_rent": known.last_rent,
        "month": summary.month,
    }
    escaped = {k: escape(v) for k, v in values.items()}
    return TEMPLATE.substitute(escaped, sections=_section_html(summary), notices=notices)


def render_pdf(html: str) -> bytes:
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if status.err:
        raise RuntimeError(f"xhtml2pdf failed with {status.err} error(s)")
    return out.getvalue()


async def receipt_pdf(context: Context, declaration_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of a transmitted declaration the caller may read; NotFound otherwise."""
    row = await get_declaration(context, declaration_id, Act.READ)
    if row.state != DeclarationState.TRANSMIS:
        raise NotFound("Reçu introuvable.")
    organisation = await Organisation.get(id=row.tenant.housing.organisation_id)
    validated_by = await User.get_or_none(id=row.validated_by_id) if row.validated_by_id else None
    html = receipt_html(
        row, organisation, validated_by, summary_of(context, row), context.settings.campaign_month
    )
    # Rendering is CPU work (tens of ms): keep it off the event loop.
    return f"declaration-{row.reference}.pdf", await run_in_threadpool(render_pdf, html)


def _not_found() -> Response:
    return JSONResponse(
        {"errors": [{"message": "Reçu introuvable.", "extensions": {"code": "NOT_FOUND"}}]},
        status_code=404,
    )


async def receipt_response(context: Context, declaration_id: str) -> Response:
    # Anonymous callers, other organisations and callers outside the scope all get the same 404.
    p = context.principal
    declaration = parse_object_id(declaration_id)
    if p is None or p.restricted or p.user_id is None or declaration is None:
        return _not_found()
    try:
        name, pdf = await receipt_pdf(context, declaration)
    except NotFound:
        return _not_found()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
