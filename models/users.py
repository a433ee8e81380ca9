from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import AgencyRole, UserStatus, WorkMode

if TYPE_CHECKING:  # relations named for type checkers only
    from models.organisations import Organisation

# The partial unique index of migration 0006: one address per user not closed, per organisation.
ACTIVE_EMAIL_INDEX = "uniq_user_active_email"


# Utilisateur partenaire, or an agency account when it has no organisation.
class User(Model):

    id = fields.IntField(primary_key=True)
    organisation: fields.ForeignKeyNullableRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name="users", null=True, on_delete=fields.RESTRICT
    )
    organisation_id: int | None
    agency_role = fields.CharEnumField(AgencyRole, max_length=20, null=True)
    identifier = fields.CharField(max_length=40, unique=True)
    last_name = fields.CharField(max_length=100, default="")
    first_name = fields.CharField(max_length=100, default="")
    email = fields.CharField(max_length=254, null=True, db_index=True)
    phone = fields.CharField(max_length=30, null=True)
    opening_date = fields.DateField(null=True)
    closing_date = fields.DateField(null=True)
    work_mode = fields.CharEnumField(WorkMode, max_length=12, default=WorkMode.SEDENTAIRE)
    status = fields.CharEnumField(UserStatus, max_length=12, default=UserStatus.PENDING)
    password_hash = fields.CharField(max_length=200, null=True)
    must_change_password = fields.BooleanField(default=True)
    # A provisional password is kept apart: it must not disable the current one until used.
    provisional_password_hash = fields.CharField(max_length=200, null=True)
    provisional_expires_at = fields.DatetimeField(null=True)
    profile_completed_at = fields.DatetimeField(null=True)
    usage_rules_accepted_at = fields.DatetimeField(null=True)
    terms_accepted_at = fields.DatetimeField(null=True)
    failed_logins = fields.IntField(default=0)
    lock_count = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    # Suspended by an agent of the Caf: no session works and no login succeeds until reinstated.
    # Apart from the status, so that reinstating gives back exactly the account that was.
    suspended_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "app_user"
        indexes = [("organisation_id", "last_name")]


# The argon2 hashes of a user's previous passwords, newest first by id: a new password may not
# repeat the current one or any of the last few (resolvers.accounts.password_history).
class PasswordHistory(Model):

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="previous_passwords", on_delete=fields.CASCADE
    )
    user_id: int
    password_hash = fields.CharField(max_length=200)
    retired_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "password_history"
        indexes = [("user_id", "id")]
