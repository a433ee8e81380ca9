"""The check of the audit trail's hash chain and checkpoints, and the trail's head.

Nothing here writes. By default the check starts from the last checkpoint (its cost is what was
added since); a full one walks everything and every checkpoint, in parallel processes over
spans of the trail once it is large (`spans`), the answer being the one a sequential walk gives.
A full check is for auditors and rare: one at a time per process, the others are told to retry.

The head (last event, events counted, last checkpoint) can be kept outside the database by the
agency: given back later as an anchor, it catches what no checkpoint can, the newest events
deleted after the last checkpoint (a tail truncation keeps every remaining link intact).
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

from tortoise import connections

from models import AuditCheckpoint, AuditEvent
from resolvers.audit import spans
from resolvers.audit.chain import GENESIS, event_digest
from resolvers.audit.checkpoints import signature_holds
from resolvers.audit.digests import DIGEST, ID, PREV, row_intact, select_rows
from resolvers.shared.errors import RateLimited

BATCH = 5000
log = logging.getLogger(__name__)
BUSY = ("Une vérification complète du journal d'audit est déjà en cours : réessayez quand elle "
        "sera terminée (quelques secondes).")


@dataclass
class Head:
    """The newest event and what vouches for it: what an agency keeps as an anchor."""

    last_event_id: int
    events: int  # events in the trail up to and including it
    digest: str
    checkpoint_id: int | None = None
    checkpoint_digest: str | None = None  # its HMAC

    def as_graphql(self) -> dict[str, object]:
        """As verifyAuditChain's `head` reads, ready to be given back as its `anchor`."""
        def opt(value: int | None) -> str | None:
            return None if value is None else str(value)

        return {"lastEventId": str(self.last_event_id), "events": self.events,
                "digest": self.digest, "checkpointId": opt(self.checkpoint_id),
                "checkpointDigest": self.checkpoint_digest}


@dataclass
class Anchor:
    """A head seen earlier: the trail must still hold that event, with that digest and count."""

    last_event_id: int
    events: int
    digest: str


@dataclass
class Problem:
    code: str
    message: str


@dataclass
class ChainReport:
    ok: bool
    checked: int  # events whose digest was recomputed
    first_broken_id: int | None
    checkpoints: int = 0  # checkpoints whose signature and block were checked
    first_broken_checkpoint_id: int | None = None
    full: bool = True
    # The checkpoint the verification started from (None: the start of the trail).
    trusted_checkpoint_id: int | None = None
    head: Head | None = None  # when the chain holds
    anchor_problem: Problem | None = None


async def _rows(after_id: int):
    conn = connections.get("default")
    sql = select_rows(conn.capabilities.dialect, BATCH)
    while True:
        _, batch = await conn.execute_query(sql, [after_id])
        for row in batch:
            yield tuple(row)
        if len(batch) < BATCH:
            return
        after_id = batch[-1][0]


async def _intact_as_model(event_id: int) -> bool:
    event = await AuditEvent.get(id=event_id)
    return event_digest(event) == event.digest


@dataclass
class _Position:
    """Where a sequential walk stands right after a checkpoint's event (or at the start)."""

    after_id: int = 0
    previous: str = GENESIS
    checked: int = 0
    checkpoints: int = 0
    prev_mark: str = GENESIS


async def _walk(at: _Position, marks: list[AuditCheckpoint], report: ChainReport) -> ChainReport:
    """Follow the chain from `at`; at each checkpoint's last event, check the checkpoint (its
    link to the previous one, its signature, the digest and the count it vouches for)."""
    report.checked, report.checkpoints = at.checked, at.checkpoints
    pending = iter(marks)
    mark = next(pending, None)
    prev_mark, previous, last_id = at.prev_mark, at.previous, at.after_id
    async for row in _rows(at.after_id):
        if mark is not None and mark.last_event_id < row[ID]:  # its event is gone
            return _broken_mark(report, mark)
        report.checked += 1
        if row[PREV] != previous or not (row_intact(row) or await _intact_as_model(row[ID])):
            report.ok, report.first_broken_id = False, row[ID]
            return report
        previous, last_id = row[DIGEST], row[ID]
        if mark is not None and mark.last_event_id == row[ID]:
            if (mark.prev_digest != prev_mark or not signature_holds(mark)
                    or mark.event_digest != row[DIGEST] or mark.events != report.checked):
                return _broken_mark(report, mark)
            report.checkpoints += 1
            prev_mark, mark = mark.digest, next(pending, None)
    if mark is not None:
        return _broken_mark(report, mark)
    if last_id:
        report.head = Head(last_id, report.checked, previous)
    return report


def _broken_mark(report: ChainReport, mark: AuditCheckpoint) -> ChainReport:
    report.ok, report.first_broken_checkpoint_id = False, mark.id
    return report


def _workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def _bounds(top: int, parts: int) -> list[tuple[int, int]]:
    cuts = [top * k // parts for k in range(parts + 1)]
    return [(lo, hi) for lo, hi in zip(cuts, cuts[1:], strict=False) if hi > lo]


async def _check_spans(source: spans.Source, bounds: list[tuple[int, int]],
                       mark_ids: list[int]) -> list[spans.Span]:
    loop = asyncio.get_running_loop()
    ids = sorted(mark_ids)
    # spawn, not fork: the server's event loop and connections are not copied into workers.
    pool = ProcessPoolExecutor(max_workers=min(_workers(), len(bounds)),
                               mp_context=get_context("spawn"))
    try:
        jobs = [loop.run_in_executor(pool, spans.check, source, lo, hi,
                                     ids[bisect.bisect_right(ids, lo):bisect.bisect_right(ids, hi)])
                for lo, hi in bounds]
        return list(await asyncio.gather(*jobs))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _join(bounds: list[tuple[int, int]], results: list[spans.Span],
          marks: list[AuditCheckpoint]) -> tuple[ChainReport | None, _Position]:
    """The spans joined and the checkpoints checked against them, in the walk's order. Returns
    the report if everything holds, else None and the last checkpoint everything held up to."""
    good, previous, offset, i = _Position(), GENESIS, 0, 0
    last: tuple[int, str] | None = None
    for (_, hi), span in zip(bounds, results, strict=True):
        if span.first_prev is not None and span.first_prev != previous:
            return None, good
        while i < len(marks) and marks[i].last_event_id <= hi:
            mark, hit = marks[i], span.found.get(marks[i].last_event_id)
            if (hit is None or mark.last_event_id <= good.after_id
                    or mark.prev_digest != good.prev_mark or not signature_holds(mark)
                    or mark.event_digest != hit[1] or mark.events != offset + hit[0]):
                return None, good
            i += 1
            good = _Position(mark.last_event_id, hit[1], offset + hit[0], i, mark.digest)
        if span.broken:
            return None, good
        if span.rows:
            offset, previous = offset + span.rows, span.last_digest or previous
            last = (span.last_id or 0, previous)
    if i < len(marks):
        return None, good
    report = ChainReport(True, offset, None, checkpoints=len(marks))
    report.head = Head(last[0], offset, last[1]) if last else None
    return report, good


async def _full(marks: list[AuditCheckpoint], parallel_from: int | None) -> ChainReport:
    newest = await AuditEvent.all().order_by("-id").first().only("id")
    top = newest.id if newest else 0
    source = spans.source_of(connections.get("default"))
    if parallel_from is None or source is None or not top or top < parallel_from:
        return await _walk(_Position(), marks, ChainReport(True, 0, None))
    bounds = _bounds(top, 2 * _workers())
    try:
        results = await _check_spans(source, bounds, [m.last_event_id for m in marks])
    except Exception:  # a worker could not start or connect: the walk in this process still can
        log.exception("audit chain: parallel verification failed, walking sequentially")
        return await _walk(_Position(), marks, ChainReport(True, 0, None))
    report, good = _join(bounds, results, marks)
    if report is not None:
        return report
    # Something is off: the sequential walk from where all still held names it.
    return await _walk(good, marks[good.checkpoints:], ChainReport(True, 0, None))


_full_running = False


async def _full_once(parallel_from: int | None) -> ChainReport:
    global _full_running
    if _full_running:  # checked and set with no await between: atomic on the event loop
        raise RateLimited(BUSY)
    _full_running = True
    try:
        marks = await AuditCheckpoint.all().order_by("id")
        return await _full(marks, parallel_from)
    finally:
        _full_running = False


async def _since_last_checkpoint() -> ChainReport:
    last_two = await AuditCheckpoint.all().order_by("-id").limit(2)
    if not last_two:
        return await _walk(_Position(), [], ChainReport(True, 0, None, full=False))
    mark = last_two[0]
    report = ChainReport(True, 0, None, full=False, trusted_checkpoint_id=mark.id)
    before = last_two[1].digest if len(last_two) > 1 else GENESIS
    anchor = await AuditEvent.filter(id=mark.last_event_id).first()
    if (mark.prev_digest != before or not signature_holds(mark) or anchor is None
            or anchor.digest != mark.event_digest or event_digest(anchor) != anchor.digest):
        return _broken_mark(report, mark)
    report = await _walk(_Position(mark.last_event_id, mark.event_digest, mark.events, 1),
                         [], report)
    report.checked -= mark.events  # only what was added since
    return report


async def _anchor_problem(anchor: Anchor) -> Problem | None:
    event = await AuditEvent.filter(id=anchor.last_event_id).first().only("id", "digest")
    if event is None or event.digest != anchor.digest:
        return Problem("AUDIT_ANCHOR_NOT_FOUND", (
            f"Le journal ne contient plus l'événement n° {anchor.last_event_id} de l'ancre avec "
            "son empreinte : des événements ont été supprimés ou réécrits depuis."))
    held = await AuditEvent.filter(id__lte=anchor.last_event_id).count()
    if held != anchor.events:
        return Problem("AUDIT_ANCHOR_COUNT_MISMATCH", (
            f"Le journal compte {held} événement(s) jusqu'au n° {anchor.last_event_id}, "
            f"l'ancre en attestait {anchor.events} : des événements ont été supprimés "
            "ou ajoutés depuis."))
    return None


async def verify_chain(full: bool = False, anchor: Anchor | None = None,
                       parallel_from: int | None = None) -> ChainReport:
    """Recompute digests and follow `prev` links, oldest first.

    By default from the last checkpoint, once its signature, its link to the one before and the
    event it names are checked: the cost is what was added since. `full` walks the whole trail
    and checks every checkpoint on the way, which also catches an old event rewritten with every
    digest after it recomputed; from `parallel_from` events on, spans of it in parallel.
    `anchor`, a head kept outside the database, must still be in the trail as it was."""
    report = await (_full_once(parallel_from) if full else _since_last_checkpoint())
    if report.head is not None:
        last = await AuditCheckpoint.all().order_by("-id").first()
        if last is not None:
            report.head.checkpoint_id, report.head.checkpoint_digest = last.id, last.digest
    if anchor is not None and (problem := await _anchor_problem(anchor)) is not None:
        report.ok, report.anchor_problem = False, problem
    return report


async def current_head() -> Head | None:
    """The head as stored now, without verifying anything (`bailleurs audit head`)."""
    last = await AuditEvent.all().order_by("-id").first().only("id", "digest")
    if last is None:
        return None
    mark = await AuditCheckpoint.all().order_by("-id").first()
    return Head(last.id, await AuditEvent.all().count(), last.digest,
                mark.id if mark else None, mark.digest if mark else None)
