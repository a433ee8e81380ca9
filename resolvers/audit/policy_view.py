"""The habilitations of one organisation as a plain in-memory view: now, or as of a past day.

The past is rebuilt from the audit trail alone: each user event carries the user's full state
(roles, groups, status, closing date) and each group event the group's definition, so replaying
the events up to a date gives the Casbin lines that were in force then. Built-in role rules are
the defaults of `policies.defaults`. Housing and tenants are not historised: a past answer counts
today's tenants under yesterday's rights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

import casbin

from models import AuditEvent, CasbinRule, HabilitationGroup, User
from policies.defaults import group_rules, organisation_role_rules, perimeter_rules
from policies.enforcers import MODEL_PATH, EnforcerRegistry
from policies.vocabulary import group_subject, org_domain, parse_id, user_subject
from resolvers.accounts.login import required_actions
from resolvers.shared.clock import end_of, today


@dataclass(frozen=True)
class AccountState:
    """What, besides rules, decides whether a user may work on a given day."""

    status: str
    opening_date: date | None = None
    closing_date: date | None = None
    pending_first_login: bool = False


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


def _is_state(after: Any) -> bool:
    """A user event in the trail's convention carries the full state: roles and groups."""
    return isinstance(after, dict) and "roles" in after and "groups" in after


def _apply(event: AuditEvent, users: dict[int, dict], groups: dict[int, GroupState]) -> None:
    after = event.after
    if event.target_type == "group" and event.target_id is not None:
        gid = int(event.target_id)
        if isinstance(after, dict) and "housing_type" in after:
            groups[gid] = GroupState(
                gid, after.get("name", ""), after["housing_type"], tuple(after.get("zones") or ())
            )
        elif after is None:
            groups.pop(gid, None)
    elif event.target_type == "user" and event.target_id is not None and _is_state(after):
        users[int(event.target_id)] = after


async def _add_untracked_groups(
    organisation_id: int, until: datetime, groups: dict[int, GroupState]
) -> None:
    """Groups made before the trail recorded them: their creation date, today's definition."""
    rows = await HabilitationGroup.filter(organisation_id=organisation_id, created_at__lt=until)
    tracked: set[str] = (
        set(
            cast(  # flat=True gives the values themselves; Tortoise's stubs say tuples
                list[str],
                await AuditEvent.filter(
                    target_type="group", target_id__in=[str(g.id) for g in rows]
                ).values_list("target_id", flat=True),
            )
        )
        if rows
        else set()
    )
    for g in rows:
        if str(g.id) not in tracked:
            groups[g.id] = GroupState(g.id, g.name, g.housing_type.value, tuple(g.zones))


async def _add_untracked_users(
    organisation_id: int, until: datetime, users: dict[int, dict]
) -> None:
    """Users whose history the trail does not start: known from their `created_at`. Before
    their first recorded change they held that change's `before`; a user no audited change
    ever touched (made by an import, or before the trail) holds today's roles and groups."""
    rows = await User.filter(
        organisation_id=organisation_id, created_at__lt=until
    ).exclude(id__in=list(users))
    if not rows:
        return
    firsts: dict[int, AuditEvent] = {}
    for event in await AuditEvent.filter(
        target_type="user", target_id__in=[str(u.id) for u in rows]
    ).order_by("id"):
        if _is_state(event.after):
            firsts.setdefault(int(event.target_id or 0), event)
    lines = await CasbinRule.filter(
        ptype="g", v0__in=[user_subject(u.id) for u in rows], v2=org_domain(organisation_id)
    ).values_list("v0", "v1")
    for user in rows:
        first = firsts.get(user.id)
        if first is not None:
            if _is_state(first.before):  # else the user began with that event
                users[user.id] = first.before
            continue
        held = [v1 for v0, v1 in lines if v0 == user_subject(user.id)]
        users[user.id] = {
            "roles": sorted(h for h in held if not h.startswith("grp:")),
            "groups": sorted(parse_id(h) for h in held if h.startswith("grp:")),
            "status": user.status.value,
            "closing_date": user.closing_date.isoformat() if user.closing_date else None,
        }


def _first_login_after(user: User, moment: datetime) -> bool:
    """Whether the first login was still to complete at `moment`: the trail does not record it,
    but its acceptance timestamps are written once and kept."""
    steps = (user.profile_completed_at, user.usage_rules_accepted_at, user.terms_accepted_at)
    return any(step is None or step >= moment for step in steps)


async def view_as_of(organisation_id: int, day: date) -> PolicyView:
    """The organisation's habilitations at the end of `day` (UTC), replayed from the trail."""
    until = end_of(day)
    events = await AuditEvent.filter(
        organisation_id=organisation_id, at__lt=until, target_type__in=("user", "group")
    ).order_by("id")
    users: dict[int, dict] = {}
    groups: dict[int, GroupState] = {}
    for event in events:
        _apply(event, users, groups)
    await _add_untracked_groups(organisation_id, until, groups)
    await _add_untracked_users(organisation_id, until, users)
    domain = org_domain(organisation_id)
    p_lines = organisation_role_rules(organisation_id)
    for g in groups.values():
        p_lines += group_rules(organisation_id, g.id, g.housing_type, g.zones)
    g_lines = []
    for uid, state in users.items():
        perimeter = [groups[int(gid)] for gid in state.get("perimeter") or () if int(gid) in groups]
        pairs = [(g.housing_type, z) for g in perimeter for z in g.zones]
        p_lines += perimeter_rules(organisation_id, uid, pairs)
        for role in state.get("roles") or ():
            g_lines.append([user_subject(uid), role, domain])
        for gid in state.get("groups") or ():
            if int(gid) in groups:
                g_lines.append([user_subject(uid), group_subject(int(gid)), domain])
    rows = {u.id: u for u in await User.filter(id__in=list(users))} if users else {}
    accounts = {
        uid: AccountState(
            status=state.get("status") or "active",
            opening_date=rows[uid].opening_date if uid in rows else None,
            closing_date=_date(state.get("closing_date")),
            pending_first_login=uid not in rows or _first_login_after(rows[uid], until),
        )
        for uid, state in users.items()
    }
    return PolicyView(
        organisation_id, day, memory_enforcer(p_lines, g_lines), accounts, groups, historical=True
    )
