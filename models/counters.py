from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import HousingType

if TYPE_CHECKING:  # relations named for type checkers only
    from models.organisations import Organisation

# `year` of the rows counting the tenants themselves (present in every campaign).
EVERY_YEAR = 0


# How many tenants, and how many declarations in each state, one organisation has per housing
# type × département (× campaign year): the lists' totals are sums of these rows over a scope
# instead of COUNT(*) over every visible tenant. Database triggers (migration 0009) keep them
# in the transaction of every write to tenant, housing and rent_declaration, whoever writes.
class TenantCount(Model):

    id = fields.IntField(primary_key=True)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name=False, on_delete=fields.RESTRICT
    )
    organisation_id: int
    housing_type = fields.CharEnumField(HousingType, max_length=12)
    departement = fields.CharField(max_length=3)
    year = fields.IntField()
    # "tenant" (year EVERY_YEAR), or a stored declaration state other than non_saisi
    # (non saisi = tenants − brouillon − transmis: a tenant without a declaration is one).
    kind = fields.CharField(max_length=12)
    total = fields.IntField(default=0)

    class Meta:
        table = "tenant_count"
        unique_together = [("organisation", "housing_type", "departement", "year", "kind")]
