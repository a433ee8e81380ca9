"""The auditor's reports over an interval: what held at some instant of it, and when.

A report line (a Casbin line in force, a right a user held) is computed from a `PolicyView`,
which is constant between two changes of the organisation's timeline: evaluating the lines at the
interval's start and at each change inside it gives every period exactly (as `intervals` does
for one tenant), merged per line, in the order lines first appear.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from models import Organisation, User
from resolvers.audit.access_report import REPORTED_ACTS
from resolvers.audit.intervals import Interval, Period, extend, segments
from resolvers.audit.policy_view import PolicyView, Timeline
from resolvers.audit.questions import scope_in

Key = TypeVar("Key", bound=Hashable)


async def held_over(
    organisation: Organisation, interval: Interval,
    lines_of: Callable[[PolicyView], Awaitable[Iterable[Key]]],
) -> dict[Key, list[Period]]:
    """Each line `lines_of` finds at some instant of the interval, with the periods it held
    (`end` exclusive, None: still held at the interval's end)."""
    timeline = await Timeline.load(organisation.id, interval.start, interval.end)
    held: dict[Key, list[Period]] = {}
    for start, end in segments(interval, timeline.changes()):
        view = timeline.view(start)
        view.organisation_name = organisation.name
        for line in await lines_of(view):
            extend(held.setdefault(line, []), start, end)
    return held


@dataclass
class RightPeriods:
    """One right (an action on a housing type and zone) a user held, and when."""

    user: User
    action: str
    housing_type: str
    zone: str
    periods: list[Period]


async def _rights(view: PolicyView) -> list[tuple[int, str, str, str]]:
    return [
        (user_id, act.value, housing_type, zone)
        for user_id in view.user_ids()
        for act in REPORTED_ACTS
        for housing_type, zone in scope_in(view, user_id, act).grants
    ]


async def rights_over(organisation: Organisation, interval: Interval) -> list[RightPeriods]:
    """Every (user, right) held at some instant of the interval — as a session of that user
    would have got it (a closed or not yet usable account holds none) — with its periods."""
    held = await held_over(organisation, interval, _rights)
    ids = sorted({user_id for user_id, *_ in held})
    users = {u.id: u for u in await User.filter(id__in=ids)} if ids else {}
    acts = [a.value for a in REPORTED_ACTS]
    rows = [
        RightPeriods(users[user_id], act, housing_type, zone, periods)
        for (user_id, act, housing_type, zone), periods in held.items()
        if user_id in users
    ]
    return sorted(rows, key=lambda r: (r.user.last_name, r.user.first_name, r.user.id,
                                       acts.index(r.action), r.housing_type, r.zone))
