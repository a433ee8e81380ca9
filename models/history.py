"""Validity periods: what held from `valid_from` (inclusive) to `valid_to` (exclusive, None: still).

The user and group periods are an index of the audit trail (each user or group event closes the
subject's open period and opens the next), kept in the event's transaction, so that rebuilding
the habilitations as of an instant reads one row per user instead of replaying the trail.
Tenant placements are written by the imports: where a tenant lived and what that housing was
(type, département) decide who could see the tenant then. A declared departure closes the period
at its effective instant and opens one marked `departed_at` in the same housing: the landlord
keeps the tenant's file (requests still read it), so access does not end there.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


# A user's full habilitation state (roles, groups, perimeter, status, closing date) in force.
class UserStatePeriod(Model):

    id = fields.BigIntField(primary_key=True)
    organisation_id = fields.IntField()
    user_id = fields.IntField()
    state: fields.JSONField[Any] = fields.JSONField()
    valid_from = fields.DatetimeField()
    valid_to = fields.DatetimeField(null=True)
    event_id = fields.BigIntField(null=True)  # the trail's event that opened it

    class Meta:
        table = "user_state_period"
        indexes = [
            ("organisation_id", "user_id", "valid_from"),
            ("organisation_id", "valid_from", "valid_to"),
        ]


# A habilitation group's definition (name, housing type, zones) in force.
class GroupStatePeriod(Model):

    id = fields.BigIntField(primary_key=True)
    organisation_id = fields.IntField()
    group_id = fields.IntField()
    definition: fields.JSONField[Any] = fields.JSONField()
    valid_from = fields.DatetimeField()
    valid_to = fields.DatetimeField(null=True)
    event_id = fields.BigIntField(null=True)

    class Meta:
        table = "group_state_period"
        indexes = [("organisation_id", "valid_from", "valid_to"), ("group_id", "valid_from")]


# Where a tenant lived, and that housing's type and département, as the imports said.
class TenantPlacement(Model):

    id = fields.BigIntField(primary_key=True)
    tenant_id = fields.IntField()
    housing_id = fields.IntField()
    organisation_id = fields.IntField()
    housing_type = fields.CharField(max_length=12)
    departement = fields.CharField(max_length=3)
    valid_from = fields.DatetimeField()
    valid_to = fields.DatetimeField(null=True)
    # The tenant had left this housing from then (a declared departure: the start, in
    # Europe/Paris, of its effective day); None: living there.
    departed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "tenant_placement"
        indexes = [
            ("tenant_id", "valid_from"),
            ("housing_id", "valid_to"),
            ("organisation_id", "valid_from", "valid_to"),
        ]
