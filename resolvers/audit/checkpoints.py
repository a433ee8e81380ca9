"""Checkpoints of the audit trail: every N events, a signed mark chained to the previous one.

A checkpoint's `digest` is HMAC-SHA256(key, previous checkpoint digest, last event id, events
counted, last event digest). The last event's digest commits to every event before it, so a
checkpoint vouches for the whole trail up to there: editing an old event, even recomputing every
digest after it, no longer matches the checkpoint, and without the key no checkpoint can be
re-signed. Verification can then start from the last checkpoint it trusts.

Written by `chain.record` in its serialised step, right after the event that completes a block:
with the append lock held, two writers never both see a full block.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from models import AuditCheckpoint, AuditEvent

GENESIS = "0" * 64


@dataclass
class _Config:
    key: bytes = b""
    every: int = 1000


_config = _Config()


def configure(key: str, every: int) -> None:
    """Set at start-up from the settings (the trail is written from places without a context)."""
    _config.key, _config.every = key.encode(), max(1, every)


def sign(prev: str, last_event_id: int, events: int, event_digest: str) -> str:
    message = f"{prev}|{last_event_id}|{events}|{event_digest}".encode()
    return hmac.new(_config.key, message, hashlib.sha256).hexdigest()


def signature_holds(cp: AuditCheckpoint) -> bool:
    expected = sign(cp.prev_digest, cp.last_event_id, cp.events, cp.event_digest)
    return hmac.compare_digest(expected, cp.digest)


async def last_checkpoint() -> AuditCheckpoint | None:
    return await AuditCheckpoint.all().order_by("-id").first()


async def after_append(event: AuditEvent) -> AuditCheckpoint | None:
    """Close the block if `event` completes it. Call with the append lock held."""
    last = await last_checkpoint()
    since = last.last_event_id if last else 0
    pending = await AuditEvent.filter(id__gt=since).count()
    if pending < _config.every:
        return None
    prev = last.digest if last else GENESIS
    events = (last.events if last else 0) + pending
    return await AuditCheckpoint.create(
        at=event.at, last_event_id=event.id, events=events, event_digest=event.digest,
        prev_digest=prev, digest=sign(prev, event.id, events, event.digest),
    )
