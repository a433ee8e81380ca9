"""The digest of an audit event, and its check on a raw database row.

Kept free of the models and the ORM: the processes that verify blocks of a full verification
in parallel (`spans`) import only this, so they start in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import msgspec

# Events written before checkpoints (version 1) hash Python's json text; later ones (version 2)
# the same content, version first, as compact sorted-key UTF-8 JSON from msgspec, several times
# cheaper to rebuild when a million events are verified. Both are canonical: keys sorted.
CURRENT_VERSION = 2
_V1 = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)
_V2 = msgspec.json.Encoder(order="sorted").encode
_sha256 = hashlib.sha256


def digest_of(prev: str, at: datetime, actor_label: str, organisation_id: int | None,
              action: str, target_type: str, target_id: str | None,
              before: Any, after: Any, delegation: Any, version: int = 1) -> str:
    content = [prev, at.isoformat(), actor_label, organisation_id, action, target_type,
               target_id, before, after, delegation]
    if version == 1:
        return _sha256(_V1.encode(content).encode()).hexdigest()
    return _sha256(_V2([version, *content])).hexdigest()


# A row as read for verification, without building a model per event; JSON decoded by msgspec.
COLUMNS = ("id", "at", "actor_label", "organisation_id", "action", "target_type", "target_id",
           "before", "after", "delegation", "prev_digest", "digest", "digest_version")
ID, PREV, DIGEST = 0, 10, 11
_decode = msgspec.json.Decoder().decode


def _json(value: Any) -> Any:
    return _decode(value) if isinstance(value, str | bytes) else value


def _moment(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def row_intact(row: Any) -> bool:
    """The row's digest matches its content. A False here is confirmed through the model before
    anything is reported, so a parsing difference could never be taken for tampering."""
    if row[12] == 2:  # digest_of's version 2, inlined: this runs once per event
        return row[11] == _sha256(_V2([
            2, row[10], _moment(row[1]).isoformat(), row[2], row[3], row[4], row[5], row[6],
            _json(row[7]), _json(row[8]), _json(row[9])])).hexdigest()
    return row[11] == digest_of(row[10], _moment(row[1]), row[2], row[3], row[4], row[5],
                                row[6], _json(row[7]), _json(row[8]), _json(row[9]), row[12])


def select_rows(dialect: str, batch: int, upper_bound: bool = False) -> str:
    """Rows after an id (and up to another with `upper_bound`), oldest first, one batch."""
    mark = "$" if dialect == "postgres" else "?"
    first, second = (f"{mark}1", f"{mark}2") if mark == "$" else ("?", "?")
    until = f" AND id <= {second}" if upper_bound else ""
    return (f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE id > {first}{until} "
            f"ORDER BY id LIMIT {batch}")
