"""Checking a receipt: public, and it says nothing about the tenant or the landlord."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.declarations import receipts as resolve
from schema.permissions import Public
from schema.read_rules import ANYONE, readable_by

MAX_REFERENCE = 40


@readable_by(ANYONE)
@strawberry.type(description="Ce que la Caf sait d'un reçu présenté : authentique ou non.")
class ReceiptCheck:
    genuine: bool = strawberry.field(
        description="Vrai si un reçu porte cette référence et ce code de vérification."
    )
    sha256: str | None = strawberry.field(
        description="Empreinte SHA-256 du PDF émis, à comparer à celle du fichier présenté "
        "(nulle si le reçu n'est pas authentique)."
    )
    kind: str | None = strawberry.field(
        description="rent (déclaration de loyer), change (changement), unpaid (impayé) ou plan "
        "(plan d'apurement)."
    )
    issued_at: datetime | None = strawberry.field(description="Émis le (transmission).")


@strawberry.type
class ReceiptQuery:
    @strawberry.field(
        description="Vérifie un reçu d'après sa référence et le code de vérification imprimés "
        "dessus. Ne révèle aucune donnée personnelle ; une référence inconnue et un mauvais "
        "code reçoivent la même réponse.",
        permission_classes=[Public],
    )
    async def verify_receipt(self, reference: str, code: str) -> ReceiptCheck:
        if len(reference) > MAX_REFERENCE or len(code) > MAX_REFERENCE:
            return ReceiptCheck(genuine=False, sha256=None, kind=None, issued_at=None)
        verdict = await resolve.verify(reference, code)
        return ReceiptCheck(genuine=verdict.genuine, sha256=verdict.sha256, kind=verdict.kind,
                            issued_at=verdict.issued_at)
