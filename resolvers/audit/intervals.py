"""Who could access, at any time in an interval, and during which periods — exactly.

Every input of a decision is piecewise constant in time: the users' and groups' validity periods,
the tenant's placements, first logins completed, accounts' opening and closing days. The answer
can therefore change only at those instants: evaluating it at the interval's start and at each
of them inside the interval gives every period, with its exact bounds, without sampling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from models import Tenant, TenantPlacement, User
from policies.vocabulary import Act
from resolvers.audit import history
from resolvers.audit.explain import Explanation, explain_decision, possibly_allowed
from resolvers.audit.policy_view import Timeline
from resolvers.audit.questions import (
    AccessCount,
    UserAccessReport,
    absent,
    organisation_or_404,
    placed_in,
    placement_target,
    scope_in,
    tenant_or_404,
    user_or_404,
)
from resolvers.shared.context import Context


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime  # included: an interval of one instant asks about that instant


@dataclass
class Period:
    start: datetime
    end: datetime | None  # exclusive; None: still held at the interval's end


@dataclass
class UserPeriods:
    user: User
    explanation: Explanation  # at the first instant access held (else at the start)
    periods: list[Period] = field(default_factory=list)
    tenant_left_at: datetime | None = None  # the tenant had left its housing in the interval


def segments(interval: Interval, moments: set[datetime]) -> list[tuple[datetime, datetime | None]]:
    """[start, next change), …, [last change, end]: the answer is constant on each."""
    points = sorted({interval.start, *(m for m in moments if interval.start < m <= interval.end)})
    return [(p, points[i + 1] if i + 1 < len(points) else None) for i, p in enumerate(points)]


def extend(periods: list[Period], start: datetime, end: datetime | None) -> None:
    if periods and periods[-1].end == start:
        periods[-1].end = end
    else:
        periods.append(Period(start, end))


class _Timelines:
    """One timeline per organisation met (a tenant may move to another organisation)."""

    def __init__(self, interval: Interval) -> None:
        self.interval = interval
        self.loaded: dict[int, Timeline] = {}

    async def of(self, organisation_id: int) -> Timeline:
        if organisation_id not in self.loaded:
            i = self.interval
            self.loaded[organisation_id] = await Timeline.load(organisation_id, i.start, i.end)
        return self.loaded[organisation_id]


def _placement_at(placements: list[TenantPlacement], moment: datetime) -> TenantPlacement | None:
    held = [
        p for p in placements
        if p.valid_from <= moment and (p.valid_to is None or moment < p.valid_to)
    ]
    return held[-1] if held else None


async def _tenant_segments(tenant: Tenant, interval: Interval):
    """Each constant segment with the tenant's placement and its organisation's timeline."""
    placements = await history.placements(tenant.id, interval.start, interval.end)
    timelines = _Timelines(interval)
    moments = {p.valid_from for p in placements} | {p.valid_to for p in placements if p.valid_to}
    for p in placements:
        moments |= (await timelines.of(p.organisation_id)).changes()
    for start, end in segments(interval, moments):
        placement = _placement_at(placements, start)
        timeline = None if placement is None else await timelines.of(placement.organisation_id)
        yield start, end, placement, timeline


async def who_could_access(
    ctx: Context, tenant_id: int, act: Act, interval: Interval
) -> list[UserPeriods]:
    tenant = await tenant_or_404(tenant_id)
    found: dict[int, tuple[Explanation, list[Period]]] = {}
    users: dict[int, User] = {}
    left_at: datetime | None = None
    async for start, end, placement, timeline in _tenant_segments(tenant, interval):
        if placement is None or timeline is None:
            continue
        left_at = left_at or placement.departed_at
        view = timeline.view(start)
        view.organisation_name = (await organisation_or_404(placement.organisation_id)).name
        target = placement_target(placement)
        candidates = sorted(possibly_allowed(view, target, act.value) & set(view.user_ids()))
        missing = [uid for uid in candidates if uid not in users]
        users |= {u.id: u for u in await User.filter(id__in=missing)} if missing else {}
        for uid in candidates:
            if uid not in users:
                continue
            explained = explain_decision(view, uid, users[uid].organisation_id, target, act.value)
            if explained.allowed:
                _first, periods = found.setdefault(uid, (explained, []))
                extend(periods, start, end)
    answers = [
        UserPeriods(users[uid], e, periods, left_at) for uid, (e, periods) in found.items()
    ]
    return sorted(answers, key=lambda a: (a.user.last_name, a.user.first_name, a.user.id))


async def explain_over(
    ctx: Context, user_id: int, tenant_id: int, act: Act, interval: Interval
) -> UserPeriods:
    user, tenant = await user_or_404(user_id), await tenant_or_404(tenant_id)
    answer = UserPeriods(user, absent(user.id, act))
    first = True
    async for start, end, placement, timeline in _tenant_segments(tenant, interval):
        if placement is None or timeline is None:
            continue
        answer.tenant_left_at = answer.tenant_left_at or placement.departed_at
        view = timeline.view(start)
        view.organisation_name = (await organisation_or_404(placement.organisation_id)).name
        explained = explain_decision(
            view, user.id, user.organisation_id, placement_target(placement), act.value
        )
        if first or (explained.allowed and not answer.periods):
            answer.explanation, first = explained, False
        if explained.allowed:
            extend(answer.periods, start, end)
    return answer


async def user_access_over(
    ctx: Context, user_id: int, act: Act, interval: Interval
) -> UserAccessReport:
    """The tenants the user could see at some instant of the interval, each counted once under
    the housing type and zone it had when first visible."""
    user = await user_or_404(user_id)
    if user.organisation_id is None:  # agency accounts see no tenant
        return UserAccessReport(user, interval.start.date(), 0, [])
    timeline = await Timeline.load(user.organisation_id, interval.start, interval.end)
    placements = await TenantPlacement.filter(
        history.placed_between(interval.start, interval.end), organisation_id=user.organisation_id
    )
    moments = timeline.changes()
    moments |= {p.valid_from for p in placements} | {p.valid_to for p in placements if p.valid_to}
    seen: dict[int, tuple[str, str]] = {}
    for start, _end in segments(interval, moments):
        scope = scope_in(timeline.view(start), user.id, act)
        if scope.is_empty:
            continue
        for row in await placed_in(scope, start).values("tenant_id", "housing_type", "departement"):
            seen.setdefault(row["tenant_id"], (row["housing_type"], row["departement"]))
    counts: dict[tuple[str, str], int] = {}
    for key in seen.values():
        counts[key] = counts.get(key, 0) + 1
    by_housing = [AccessCount(t, z, n) for (t, z), n in sorted(counts.items())]
    return UserAccessReport(user, interval.start.date(), len(seen), by_housing)
