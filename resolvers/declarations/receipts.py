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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from string import Template
from typing import Any

# Imported with the module, at start-up: the import costs seconds (the first receipt took 7.7 s).
from tortoise.models import Model
from tortoise.transactions import in_transaction
from xhtml2pdf import pisa

from models import Organisation, Receipt, RentDeclaration, Tenant, User
from resolvers.audit.actor import record_action
from resolvers.declarations.rent_summary import Summary, address_of, last_known
from resolvers.shared import french
from resolvers.shared.clock import now
from resolvers.shared.context import Context

TEMPLATE = Template((Path(__file__).parent / "templates" / "receipt.html").read_text("utf-8"))
AGENCY = "Caisse d'allocations familiales"
SERVICE = "Service Offre bailleurs — aides au logement versées au bailleur"
RENT, CHANGE, UNPAID, PLAN = "rent", "change", "unpaid", "plan"
PREFIXES = {CHANGE: "DC", UNPAID: "DI", PLAN: "PA"}
# Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L): read off paper and typed.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_DECOY = "0" * 64


def new_code() -> str:
    code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{code[:5]}-{code[5:]}"


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(
        f'<tr><td class="label">{escape(label)}</td><td class="value">{escape(value)}</td></tr>'
        for label, value in pairs
    )


def _sections_html(sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
    return "\n".join(f"<h2>{escape(title)}</h2><table>{_rows(rows)}</table>"
                     for title, rows in sections)


def _signer(user: User | None) -> str:
    return f"{user.first_name} {user.last_name} ({user.identifier})".strip() if user else ""


@dataclass(frozen=True)
class Document:
    """What a receipt shows, whatever was transmitted."""

    title: str
    reference: str
    transmitted_at: datetime
    signer: User | None
    organisation: Organisation
    tenant_rows: list[tuple[str, str]]
    sections: list[tuple[str, list[tuple[str, str]]]]
    notices: list[str]


def document_html(doc: Document, code: str) -> str:
    values = {
        "agency": AGENCY, "service": SERVICE, "code": code, "title": doc.title,
        "reference": doc.reference, "transmitted_at": french.moment(doc.transmitted_at),
        "validated_by": _signer(doc.signer), "organisation": doc.organisation.name,
        "user_number": doc.organisation.user_number,
    }
    notices = "".join(f'<p class="notice">{escape(n)}</p>' for n in doc.notices)
    return TEMPLATE.substitute(
        {k: escape(v) for k, v in values.items()}, tenant_rows=_rows(doc.tenant_rows),
        sections=_sections_html(doc.sections), notices=notices,
    )


def tenant_rows(tenant: Tenant) -> list[tuple[str, str]]:
    return [("Locataire", f"{tenant.first_name} {tenant.last_name}"),
            ("Numéro allocataire", tenant.allocataire_number),
            ("Adresse du logement", address_of(tenant))]


def rent_receipt_html(row: RentDeclaration, organisation: Organisation,
                      validated_by: User | None, summary: Summary, campaign_month: int,
                      code: str, previous: RentDeclaration | None = None) -> str:
    known = last_known(row.tenant, row.year, campaign_month, previous)
    notices = list(summary.notices)
    if row.amount_confirmed:
        notices.append("Montant inhabituel vérifié et confirmé par le déclarant avant la "
                       "transmission.")
    return document_html(Document(
        title=f"Déclaration du loyer de {summary.month}", reference=row.reference or "",
        transmitted_at=row.transmitted_at or now(), signer=validated_by, organisation=organisation,
        tenant_rows=[
            *tenant_rows(row.tenant)[:2],
            ("Adresse du logement", known.address),
            ("Logement occupé depuis le", french.day(known.occupied_since)),
            (f"Loyer hors charges connu pour {known.last_rent_month}", known.last_rent),
        ],
        sections=[(f"{s.number}. {s.title}", [(a.label, a.value) for a in s.answers])
                  for s in summary.sections],
        notices=notices,
    ), code)


def reference(prefix: str, moment: datetime) -> str:
    """A reference that needs no row id, so that the receipt is rendered before the insert."""
    return f"{prefix}{moment.year}-{new_code().replace('-', '')}"


@dataclass(frozen=True)
class Rendered:
    """A receipt rendered before the transaction that stores it with its document."""

    kind: str
    document: Document
    code: str
    pdf: bytes

    async def store(self, target_id: int) -> Receipt:
        doc = self.document
        return await store(self.kind, target_id, doc.organisation.id, doc.reference, self.pdf,
                           self.code, doc.transmitted_at)

    async def save_with(self, ctx: Context, row: Model, action: str, target_type: str,
                        after: dict[str, Any],
                        then: Callable[[], Awaitable[None]] | None = None) -> Receipt:
        """One transaction: the new row, its receipt, the audit event naming both, and what
        `then` writes after the event (the trail's writers are serialised from the event on)."""
        async with in_transaction():
            await row.save()
            receipt = await self.store(row.pk)
            await record_action(
                ctx, action, organisation_id=self.document.organisation.id,
                target_type=target_type, target_id=row.pk,
                after={**after, "reference": receipt.reference, "receiptSha256": receipt.sha256},
            )
            if then is not None:
                await then()
        return receipt


async def prepare(ctx: Context, kind: str, title: str, tenant: Tenant,
                  sections: list[tuple[str, list[tuple[str, str]]]],
                  notices: list[str]) -> Rendered:
    """A change's or an unpaid report's receipt, rendered outside any transaction (tens of ms)."""
    moment = now()
    doc = Document(
        title=title, reference=reference(PREFIXES[kind], moment), transmitted_at=moment,
        signer=await User.get_or_none(id=ctx.user_id),
        organisation=await Organisation.get(id=tenant.housing.organisation_id),
        tenant_rows=tenant_rows(tenant), sections=sections, notices=notices,
    )
    code = new_code()
    return Rendered(kind, doc, code, await render(document_html(doc, code)))


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
    genuine = hmac.compare_digest(expected.encode(), typed.encode())
    if row is None or not genuine:
        return Verdict(False, None, None, None)
    return Verdict(True, row.sha256, row.kind, row.issued_at)
