from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # relations named for type checkers only
    from models.organisations import Organisation


# A transmitted document's receipt, rendered once at transmission and served as stored: later
# changes to names or addresses never alter it. Its SHA-256 is in the audit event.
class Receipt(Model):

    id = fields.IntField(primary_key=True)
    # The document's own reference (DL2026-…, DC…, DI…), printed on the receipt.
    reference = fields.CharField(max_length=40, unique=True)
    # rent | change | unpaid, and the id of that declaration or report.
    kind = fields.CharField(max_length=8)
    target_id = fields.IntField()
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name=False, on_delete=fields.RESTRICT
    )
    organisation_id: int
    pdf = fields.BinaryField()
    sha256 = fields.CharField(max_length=64)
    # Printed on the receipt: with the reference, anyone can check it is genuine (verifyReceipt).
    verification_code = fields.CharField(max_length=16)
    issued_at = fields.DatetimeField()

    class Meta:
        table = "receipt"
        unique_together = [("kind", "target_id")]
