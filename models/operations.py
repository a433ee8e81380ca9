from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from models.enums import MailChannel

if TYPE_CHECKING:  # relations named for type checkers only
    from models.organisations import Organisation
    from models.users import User


# Append-only trail; the digest chains each event to the previous one.
class AuditEvent(Model):

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    actor_id: int | None
    actor_label = fields.CharField(max_length=120)
    organisation: fields.ForeignKeyNullableRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    organisation_id: int | None
    action = fields.CharField(max_length=60)
    target_type = fields.CharField(max_length=40)
    target_id = fields.CharField(max_length=40, null=True)
    before: fields.JSONField[Any] = fields.JSONField(null=True)
    after: fields.JSONField[Any] = fields.JSONField(null=True)
    # Why the actor could act: the chain of grants behind the actor's right.
    delegation: fields.JSONField[Any] = fields.JSONField(null=True)
    prev_digest = fields.CharField(max_length=64)
    digest = fields.CharField(max_length=64, unique=True)
    # How `digest` is computed (resolvers.audit.chain): 1 before checkpoints, 2 since.
    digest_version = fields.SmallIntField(default=1)

    class Meta:
        table = "audit_event"
        indexes = [("organisation_id", "at"), ("target_type", "target_id"), ("actor_id", "at")]


# A signed mark every N events of the trail, itself chained: `digest` is an HMAC (key in
# AUDIT_CHECKPOINT_KEY) of the previous checkpoint's digest and of the block's last event digest,
# which commits to every event before it. Written in the same serialised step as that event.
class AuditCheckpoint(Model):

    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField()
    last_event_id = fields.BigIntField(unique=True)
    # Events in the trail up to `last_event_id` included.
    events = fields.BigIntField()
    event_digest = fields.CharField(max_length=64)
    prev_digest = fields.CharField(max_length=64)
    digest = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "audit_checkpoint"


# A message written in the business transaction, delivered later exactly once.
class OutboxMail(Model):

    id = fields.IntField(primary_key=True)
    channel = fields.CharEnumField(MailChannel, max_length=8, default=MailChannel.EMAIL)
    recipient = fields.CharField(max_length=400)
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    # Claimed by a sender until this time, so two workers never send the same mail.
    claimed_until = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=300, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox_mail"
        indexes = [("sent_at", "next_attempt_at")]


# An opaque session token, stored as its SHA-256 only.
class Session(Model):

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    csrf_token = fields.CharField(max_length=64)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", null=True, on_delete=fields.CASCADE
    )
    user_id: int | None
    # Set for the organisation's first login, before any user exists.
    organisation: fields.ForeignKeyNullableRelation[Organisation] = fields.ForeignKeyField(
        "models.Organisation", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    organisation_id: int | None
    restricted = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    absolute_expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "session"


# Fixed-window counters shared by every process (per IP, per target).
class Throttle(Model):

    key = fields.CharField(max_length=200, primary_key=True)
    window_start = fields.DatetimeField()
    count = fields.IntField(default=0)

    class Meta:
        table = "throttle"
