from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import HousingType

if TYPE_CHECKING:  # relations named for type checkers only
    from models.organisations import Organisation


# A named set of (housing type, zones); its rights live in Casbin policy lines.
class HabilitationGroup(Model):

    id = fields.IntField(primary_key=True)
    organisation: fields.ForeignKeyRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name="groups", on_delete=fields.RESTRICT
    )
    organisation_id: int
    name = fields.CharField(max_length=200)
    housing_type = fields.CharEnumField(HousingType, max_length=12)
    zones: fields.JSONField[list[str]] = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "habilitation_group"
        unique_together = [("organisation", "name")]


# Casbin's policy storage: p = (sub, dom, housing_type, zone, act), g = (user, role, dom).
class CasbinRule(Model):

    id = fields.IntField(primary_key=True)
    ptype = fields.CharField(max_length=8)
    v0 = fields.CharField(max_length=64, default="")
    v1 = fields.CharField(max_length=64, default="")
    v2 = fields.CharField(max_length=64, default="")
    v3 = fields.CharField(max_length=64, default="")
    v4 = fields.CharField(max_length=64, default="")
    v5 = fields.CharField(max_length=64, default="")

    class Meta:
        table = "casbin_rule"
        indexes = [("ptype", "v1"), ("ptype", "v2")]
