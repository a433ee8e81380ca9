from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import ChangeKind, DeclarationState

if TYPE_CHECKING:  # relations named for type checkers only
    from models.housing import Tenant
    from models.users import User


# The yearly declaration of a tenant's July rent; one per tenant and campaign year.
class RentDeclaration(Model):

    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="rent_declarations", on_delete=fields.RESTRICT
    )
    tenant_id: int
    year = fields.IntField()
    state = fields.CharEnumField(
        DeclarationState, max_length=12, default=DeclarationState.BROUILLON
    )
    # 1. gestion du logement
    still_manager = fields.BooleanField(null=True)
    management_end_date = fields.DateField(null=True)
    # 2. locataire
    tenant_still_present = fields.BooleanField(null=True)
    departure_date = fields.DateField(null=True)
    new_address = fields.CharField(max_length=300, null=True)
    # 3. colocation
    colocation = fields.BooleanField(null=True)
    co_tenant_count = fields.IntField(null=True)
    # 4. montant du loyer (July, cents)
    rent_cents = fields.IntField(null=True)
    charges_cents = fields.IntField(null=True)
    amount_confirmed = fields.BooleanField(default=False)
    # 5. signalement d'impayé
    unpaid_amount_cents = fields.IntField(null=True)
    unpaid_since = fields.DateField(null=True)
    reference = fields.CharField(max_length=32, null=True, unique=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_id: int | None
    validated_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    validated_by_id: int | None
    transmitted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "rent_declaration"
        unique_together = [("tenant", "year")]
        indexes = [("year", "state")]


# A change reported by the landlord: departure, end of management, co-tenants, non-decency.
class ChangeDeclaration(Model):

    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="change_declarations", on_delete=fields.RESTRICT
    )
    tenant_id: int
    kind = fields.CharEnumField(ChangeKind, max_length=16)
    event_date = fields.DateField()
    reason = fields.CharField(max_length=200, null=True)
    co_tenant_count = fields.IntField(null=True)
    comment = fields.TextField(null=True)
    late = fields.BooleanField(default=False)
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    created_by_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "change_declaration"


# Signalement d'impayé, with what the service computed when it was made.
class UnpaidRentReport(Model):

    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="unpaid_reports", on_delete=fields.RESTRICT
    )
    tenant_id: int
    amount_owed_cents = fields.IntField()
    months = fields.IntField()
    unpaid_since = fields.DateField()
    rent_cents = fields.IntField()
    charges_cents = fields.IntField()
    benefit_cents = fields.IntField()
    threshold_cents = fields.IntField()
    constituted = fields.BooleanField()
    report_deadline = fields.DateField(null=True)
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, on_delete=fields.RESTRICT
    )
    created_by_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "unpaid_rent_report"
