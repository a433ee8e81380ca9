"""The habilitations of one organisation as a plain in-memory view: now, or as of a past day.

The past is rebuilt from the audit trail alone: each user event carries the user's full state
(roles, groups, status, closing date) and each group event the group's definition, so replaying
the events up to a date gives the Casbin lines that were in force then. Built-in role rules are
the defaults of `policies.defaults`. The replay is indexed: the validity periods
(`resolvers.audit.history`) give each user's and group's state at an instant in one read, so an
answer costs the organisation's size, not the trail's length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import casbin
from tortoise.expressions import Q
from tortoise.functions import Min

from models import (
    AuditEvent,
    CasbinRule,
    GroupStatePeriod,
    HabilitationGroup,
    User,
    UserStatePeriod,
)
from policies.defaults import group_rules, organisation_role_rules, perimeter_rules
from policies.enforcers import MODEL_PATH, EnforcerRegistry
from policies.vocabulary import group_subject, org_domain, parse_id, user_subject
from resolvers.accounts.login import required_actions
from resolvers.audit import history
from resolvers.audit.history import Period
from resolvers.shared.clock import end_of, start_of, today


@dataclass(frozen=True)
class AccountState:
    """What, besides rules, decides whether a user may work on a given day."""

    status: str
    opening_date: date | None = None
    closing_date: date | None = None
    pending_first_login: bool = False
    # Today only: suspensions are not replayed from the trail into past views.
    suspended: bool = False


@dataclass(frozen=True)
class GroupState:
    id: int
    name: str
    housing_type: str
    zones: tuple[str, ...]


@dataclass
class PolicyView:
    """Casbin lines of one organisation, the accounts and groups they name, and the day asked."""

    organisation_id: int
    day: date
    enforcer: casbin.Enforcer
    accounts: dict[int, AccountState] = field(default_factory=dict)
    groups: dict[int, GroupState] = field(default_factory=dict)
    historical: bool = False
    organisation_name: str = ""
    moment: datetime | None = None  # the instant asked (None: now)

    @property
    def domain(self) -> str:
        return org_domain(self.organisation_id)

    def memberships(self, user_id: int) -> list[str]:
        """Roles and groups held directly (the model has no deeper hierarchy)."""
        sub = user_subject(user_id)
        return sorted(
            g[1] for g in self.enforcer.get_filtered_grouping_policy(0, sub, "", self.domain)
        )

    def rules_of(self, subject: str) -> list[list[str]]:
        return self.enforcer.get_filtered_policy(0, subject, self.domain)

    def members_of(self, subject: str) -> list[int]:
        lines = self.enforcer.get_filtered_grouping_policy(1, subject, self.domain)
        return sorted(parse_id(g[0]) for g in lines)

    def user_ids(self) -> list[int]:
        return sorted(self.accounts)

    def copy_with_lines(self, p_lines: list[list[str]], g_lines: list[list[str]]) -> PolicyView:
        return PolicyView(
            self.organisation_id,
            self.day,
            memory_enforcer(p_lines, g_lines),
            dict(self.accounts),
            dict(self.groups),
            self.historical,
            self.organisation_name,
            self.moment,
        )

    def lines(self) -> tuple[list[list[str]], list[list[str]]]:
        return self.enforcer.get_policy(), self.enforcer.get_grouping_policy()


def memory_enforcer(p_lines: list[list[str]], g_lines: list[list[str]]) -> casbin.Enforcer:
    """The same model file, with lines held in memory only (no adapter: nothing is written)."""
    enforcer = casbin.Enforcer(str(MODEL_PATH))
    if p_lines:
        enforcer.add_policies([list(p) for p in p_lines])
    if g_lines:
        enforcer.add_grouping_policies([list(g) for g in g_lines])
    return enforcer


def account_of(user: User) -> AccountState:
    return AccountState(
        status=user.status.value,
        opening_date=user.opening_date,
        closing_date=user.closing_date,
        pending_first_login=bool(required_actions(user)),
        suspended=user.suspended_at is not None,
    )


async def current_view(
    registry: EnforcerRegistry, organisation_id: int, user_ids: list[int] | None = None
) -> PolicyView:
    """Today's lines, copied from the very enforcer requests are checked against; the accounts
    of `user_ids` only when given (one explanation needs one account, not thousands)."""
    domain = org_domain(organisation_id)
    live = await registry.get(domain)
    query = User.filter(organisation_id=organisation_id)
    users = await (query.filter(id__in=user_ids) if user_ids is not None else query)
    groups = await HabilitationGroup.filter(organisation_id=organisation_id)
    return PolicyView(
        organisation_id,
        today(),
        memory_enforcer(live.get_policy(), live.get_grouping_policy()),
        accounts={u.id: account_of(u) for u in users},
        groups={
            g.id: GroupState(g.id, g.name, g.housing_type.value, tuple(g.zones)) for g in groups
        },
    )


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


async def _first_periods(organisation_id: int, user_ids: list[int]) -> dict[int, UserStatePeriod]:
    """Each user's first period (earliest `valid_from`, then lowest id). The earliest instants
    come from the index alone; only the periods starting then are read: a user's whole history
    would be thousands of rows at 10⁶ events."""
    starts = await UserStatePeriod.filter(
        organisation_id=organisation_id, user_id__in=user_ids
    ).group_by("user_id").annotate(first=Min("valid_from")).values_list("user_id", "first")
    if not starts:
        return {}
    at_start = Q(*(Q(user_id=uid, valid_from=first) for uid, first in starts), join_type="OR")
    firsts: dict[int, UserStatePeriod] = {}
    for period in await UserStatePeriod.filter(at_start, organisation_id=organisation_id
                                               ).order_by("valid_from", "id"):
        firsts.setdefault(period.user_id, period)
    return firsts


async def _untracked_users(organisation_id: int, start: datetime, end: datetime) -> list[Period]:
    """Users whose history the trail does not start, known from their `created_at`: before
    their first recorded change they held that change's `before`; a user no audited change
    ever touched (made by an import, or before the trail) holds today's roles and groups."""
    rows = await User.filter(organisation_id=organisation_id, created_at__lte=end)
    if not rows:
        return []
    firsts = await _first_periods(organisation_id, [u.id for u in rows])
    opened_by = {
        e.id: e for e in await AuditEvent.filter(
            id__in=[p.event_id for p in firsts.values() if p.event_id is not None])
    }
    untouched = [u for u in rows if u.id not in firsts]
    lines = await CasbinRule.filter(
        ptype="g", v0__in=[user_subject(u.id) for u in untouched], v2=org_domain(organisation_id)
    ).values_list("v0", "v1") if untouched else []
    periods = []
    for user in rows:
        first = firsts.get(user.id)
        if first is None:
            held = [v1 for v0, v1 in lines if v0 == user_subject(user.id)]
            periods.append(Period(user.id, {
                "roles": sorted(h for h in held if not h.startswith("grp:")),
                "groups": sorted(parse_id(h) for h in held if h.startswith("grp:")),
                "status": user.status.value,
                "closing_date": user.closing_date.isoformat() if user.closing_date else None,
            }, user.created_at, None))
            continue
        event = opened_by.get(first.event_id) if first.event_id is not None else None
        before = event.before if event is not None else None
        if history.is_user_state(before) and user.created_at < first.valid_from:
            periods.append(Period(user.id, before, user.created_at, first.valid_from))
    return [p for p in periods
            if p.valid_from <= end and (p.valid_to is None or p.valid_to > start)]


async def _untracked_groups(organisation_id: int, end: datetime) -> list[Period]:
    """Groups made without a trail event (before the trail recorded them): from their creation,
    with today's definition."""
    rows = await HabilitationGroup.filter(organisation_id=organisation_id, created_at__lte=end)
    if not rows:
        return []
    tracked = set(
        cast(  # flat=True gives the values themselves; Tortoise's stubs say tuples
            list[int],
            await GroupStatePeriod.filter(group_id__in=[g.id for g in rows]).values_list(
                "group_id", flat=True
            ),
        )
    )
    return [
        Period(
            g.id,
            {"name": g.name, "housing_type": g.housing_type.value, "zones": list(g.zones)},
            g.created_at,
            None,
        )
        for g in rows
        if g.id not in tracked
    ]


def first_login_done_at(user: User) -> datetime | None:
    """When the first login was completed: the last of its steps, whose acceptance timestamps
    are written once and kept (None: still to complete)."""
    steps = (user.profile_completed_at, user.usage_rules_accepted_at, user.terms_accepted_at)
    return None if any(step is None for step in steps) else max(cast(list[datetime], steps))


@dataclass
class Timeline:
    """The periods of one organisation over [start, end], read once; `view(t)` for any t in it."""

    organisation_id: int
    start: datetime
    end: datetime
    users: list[Period]
    groups: list[Period]
    rows: dict[int, User]

    @classmethod
    async def load(cls, organisation_id: int, start: datetime, end: datetime) -> Timeline:
        users = await history.user_periods(organisation_id, start, end)
        groups = await history.group_periods(organisation_id, start, end)
        groups += await _untracked_groups(organisation_id, end)
        users += await _untracked_users(organisation_id, start, end)
        ids = sorted({p.key for p in users})
        rows = {u.id: u for u in await User.filter(id__in=ids)} if ids else {}
        return cls(organisation_id, start, end, users, groups, rows)

    def changes(self) -> set[datetime]:
        """Every instant in (start, end] at which an answer may change: a period opening or
        closing, a first login completed, an account's opening or closing day (UTC) starting."""
        moments: set[datetime] = set()
        for p in (*self.users, *self.groups):
            moments.add(p.valid_from)
            if p.valid_to is not None:
                moments.add(p.valid_to)
        for p in self.users:
            if closing := _date(p.content.get("closing_date")):
                moments.add(end_of(closing))
        for user in self.rows.values():
            if (done := first_login_done_at(user)) is not None:
                moments.add(done)
            if user.opening_date:
                moments.add(start_of(user.opening_date))
        return {m for m in moments if self.start < m <= self.end}

    def view(self, moment: datetime) -> PolicyView:
        groups = {
            gid: GroupState(gid, d.get("name", ""), d["housing_type"], tuple(d.get("zones") or ()))
            for gid, d in history.held_at(self.groups, moment).items()
        }
        users = history.held_at(self.users, moment)
        organisation_id = self.organisation_id
        domain = org_domain(organisation_id)
        p_lines = organisation_role_rules(organisation_id)
        for g in groups.values():
            p_lines += group_rules(organisation_id, g.id, g.housing_type, g.zones)
        g_lines = []
        for uid, state in users.items():
            perimeter = [groups[int(g)] for g in state.get("perimeter") or () if int(g) in groups]
            pairs = [(g.housing_type, z) for g in perimeter for z in g.zones]
            p_lines += perimeter_rules(organisation_id, uid, pairs)
            for role in state.get("roles") or ():
                g_lines.append([user_subject(uid), role, domain])
            for gid in state.get("groups") or ():
                if int(gid) in groups:
                    g_lines.append([user_subject(uid), group_subject(int(gid)), domain])
        accounts = {
            uid: AccountState(
                status=state.get("status") or "active",
                opening_date=self.rows[uid].opening_date if uid in self.rows else None,
                closing_date=_date(state.get("closing_date")),
                pending_first_login=uid not in self.rows
                or _first_login_after(self.rows[uid], moment),
            )
            for uid, state in users.items()
        }
        return PolicyView(
            organisation_id,
            moment.astimezone(UTC).date(),
            memory_enforcer(p_lines, g_lines),
            accounts,
            groups,
            historical=True,
            moment=moment,
        )


def _first_login_after(user: User, moment: datetime) -> bool:
    """Whether the first login was still to complete at `moment` (completed at that very
    instant counts as done: a request at that instant comes after the one completing it)."""
    done = first_login_done_at(user)
    return done is None or done > moment


async def view_at(organisation_id: int, moment: datetime) -> PolicyView:
    """The organisation's habilitations at `moment`, from the validity periods."""
    return (await Timeline.load(organisation_id, moment, moment)).view(moment)


async def view_as_of(organisation_id: int, day: date) -> PolicyView:
    """The organisation's habilitations at the end of `day` (UTC): the former `asOf` meaning,
    kept for compatibility (the last instant of the day)."""
    view = await view_at(organisation_id, end_of(day) - timedelta(microseconds=1))
    view.day = day
    return view
