"""Helpers shared by the receipt tests: a transmitted declaration, fetching a receipt over HTTP
and reading its text."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.declarations.operations import VALIDATE
from tests.support.declaration_ops import filled

# BRISSON's answers with an unpaid-rent section, so that every part of the receipt is filled.
STEPS = [
    {"stillManager": True},
    {"tenantStillPresent": True},
    {"colocation": False},
    {"rentCents": 32875, "chargesCents": 4500},
    {"unpaidAmountCents": 123456, "unpaidSince": "2026-08-05"},
]



async def transmitted(api, token: str) -> dict:
    """BRISSON's declaration filled with STEPS and validated."""
    declaration = await filled(api, token, "BRISSON", STEPS)
    data = await api.ok(VALIDATE, {"id": declaration["id"]}, token)
    return data["validateRentDeclaration"]


async def fetch(api, url: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await api.client.get(url, headers=headers)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
