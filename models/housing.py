from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import HousingType
from models.validators import (
    validate_allocataire_number,
    validate_departement,
    validate_postal_code,
)

if TYPE_CHECKING:  # relations named for type checkers only
    from models.organisations import Organisation


# Logement managed by an organisation; its type and département decide who sees it.
class Housing(Model):

    id = fields.IntField(primary_key=True)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name="housings", on_delete=fields.RESTRICT
    )
    organisation_id: int
    ref = fields.CharField(max_length=64)
    housing_type = fields.CharEnumField(HousingType, max_length=12)
    address = fields.CharField(max_length=300)
    postal_code = fields.CharField(max_length=5, validators=[validate_postal_code])
    commune = fields.CharField(max_length=100)
    departement = fields.CharField(max_length=3, validators=[validate_departement])

    class Meta:
        table = "housing"
        unique_together = [("organisation", "ref")]
        indexes = [("organisation_id", "housing_type", "departement")]


# Locataire allocataire whose housing benefit is paid to the landlord.
class Tenant(Model):

    id = fields.IntField(primary_key=True)
    housing: fields.ForeignKeyRelation[Housing] = fields.ForeignKeyField(
        "models.Housing", related_name="tenants", on_delete=fields.RESTRICT
    )
    housing_id: int
    allocataire_number = fields.CharField(
        max_length=7, unique=True, validators=[validate_allocataire_number]
    )
    last_name = fields.CharField(max_length=100)
    first_name = fields.CharField(max_length=100)
    occupied_since = fields.DateField(null=True)
    colocation = fields.BooleanField(default=False)
    last_rent_cents = fields.IntField(null=True)
    # Monthly benefit paid to the landlord, used to tell when unpaid rent is constituted.
    benefit_cents = fields.IntField(null=True)
    # Copied from the housing (models.tenant_copies, kept by the import): the scope's columns on
    # the row the list sorts, so that a page reads one index range per (type, département).
    organisation_id = fields.IntField()
    housing_type = fields.CharEnumField(HousingType, max_length=12)
    departement = fields.CharField(max_length=3)
    # Names, commune, numéro allocataire and postal code, normalised (tenant_copies.normalise).
    search_text = fields.TextField()
    # The same without the last name (tenant_copies.other_text; migration 0019).
    other_text = fields.TextField()

    class Meta:
        table = "tenant"
        # In the list's order (shared with the keyset cursor): one per kind of scope arm.
        indexes = [
            ("housing_id", "last_name"),
            ("organisation_id", "housing_type", "departement", "last_name", "first_name", "id"),
            ("organisation_id", "housing_type", "last_name", "first_name", "id"),
            # Many arms covering most of the organisation: one range, the arms as a filter.
            ("organisation_id", "last_name", "first_name", "id"),
        ]


# A housing-benefit payment made by the agency to the landlord (read-only).
class Payment(Model):

    id = fields.IntField(primary_key=True)
    tenant: fields.ForeignKeyRelation[Tenant] = fields.ForeignKeyField(
        "models.Tenant", related_name="payments", on_delete=fields.RESTRICT
    )
    tenant_id: int
    month = fields.DateField()  # first day of the month of entitlement
    paid_on = fields.DateField()
    amount_cents = fields.IntField()

    class Meta:
        table = "payment"
        unique_together = [("tenant", "month")]
