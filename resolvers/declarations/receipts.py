"""Receipts are records: rendered once when a declaration is transmitted, stored with their SHA-256
and a verification code, and served as stored — a later change of a name or an address never
alters a transmitted receipt. `verify` tells anyone holding a reference and its code whether a
receipt is genuine, without personal data."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from string import Template

# Imported with the module, at start-up: the import costs seconds (the first receipt took 7.7 s).
from xhtml2pdf import pisa

from models import Organisation, Receipt, RentDeclaration, User
from resolvers.declarations.rent_summary import Summary, last_known
from resolvers.shared import french

TEMPLATE = Template((Path(__file__).parent / "templates" / "receipt.html").read_text("utf-8"))
AGENCY = "Caisse d'allocations familiales"
SERVICE = "Service Offre bailleurs — aides au logement versées au bailleur"
RENT = "rent"
# Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L): read off paper and typed.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_DECOY = "0" * 64


def new_code() -> str:
    code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{code[:5]}-{code[5:]}"


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


def rent_receipt_html(row: RentDeclaration, organisation: Organisation,
                      validated_by: User | None, summary: Summary, campaign_month: int,
                      code: str) -> str:
    known = last_known(row.tenant, row.year, campaign_month)
    by = (f"{validated_by.first_name} {validated_by.last_name} ({validated_by.identifier})"
          if validated_by else "")
    notices = "".join(f'<p class="notice">{escape(n)}</p>' for n in summary.notices)
    if row.amount_confirmed:
        notices += ('<p class="notice">Montant inhabituel vérifié et confirmé par le déclarant '
                    "avant la transmission.</p>")
    values = {
        "agency": AGENCY, "service": SERVICE, "code": code,
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


def _render(html: str) -> bytes:
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if status.err:
        raise RuntimeError(f"xhtml2pdf failed with {status.err} error(s)")
    return out.getvalue()


async def render(html: str) -> bytes:
    """Rendering is CPU work (about 50 ms): kept off the event loop."""
    return await asyncio.to_thread(_render, html)


async def store(kind: str, target_id: int, organisation_id: int, reference: str, pdf: bytes,
                code: str, moment: datetime) -> Receipt:
    """Inside the caller's transaction; (kind, target) and the reference are unique."""
    return await Receipt.create(
        kind=kind, target_id=target_id, organisation_id=organisation_id, reference=reference,
        pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), verification_code=code,
        issued_at=moment,
    )


async def stored(kind: str, target_id: int) -> Receipt | None:
    return await Receipt.get_or_none(kind=kind, target_id=target_id)


@dataclass(frozen=True)
class Verdict:
    genuine: bool
    sha256: str | None
    kind: str | None
    issued_at: datetime | None


async def verify(reference: str, code: str) -> Verdict:
    """The same work whether the reference exists or not (one lookup, one comparison)."""
    row = await Receipt.get_or_none(reference=reference.strip().upper()[:40])
    expected = row.verification_code if row else _DECOY
    typed = code.strip().upper().replace(" ", "")[:16]
    genuine = hmac.compare_digest(expected.encode(), typed.encode()) and row is not None
    if not genuine:
        return Verdict(False, None, None, None)
    return Verdict(True, row.sha256, row.kind, row.issued_at)
