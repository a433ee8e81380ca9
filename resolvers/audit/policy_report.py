"""Every rule and membership in force in one organisation, in business terms and as Casbin lines."""

from __future__ import annotations

from dataclasses import dataclass

from models import Organisation, User
from policies.enforcers import model_text
from policies.vocabulary import ANY, parse_id
from resolvers.audit.explain import ROLE_LABELS, casbin_line
from resolvers.audit.policy_view import PolicyView


@dataclass
class RuleLine:
    subject_kind: str  # role | group
    subject: str  # role name or group name
    group_id: int | None
    housing_type: str | None  # None = any
    zone: str | None  # None = any
    action: str
    casbin: str


@dataclass
class MembershipLine:
    user: User
    subject_kind: str
    subject: str
    group_id: int | None
    casbin: str


@dataclass
class PolicyReport:
    organisation: Organisation
    rules: list[RuleLine]
    memberships: list[MembershipLine]
    casbin_lines: list[str]
    model: str


def _subject(view: PolicyView, raw: str) -> tuple[str, str, int | None]:
    if raw.startswith("grp:"):
        gid = parse_id(raw)
        group = view.groups.get(gid)
        return "group", group.name if group else raw, gid
    if raw.startswith("u:"):  # a responsable's explicit perimeter
        return "user", raw, None
    return "role", ROLE_LABELS.get(raw, raw), None


def _optional(value: str) -> str | None:
    return None if value == ANY else value


async def policy_report(view: PolicyView, organisation: Organisation) -> PolicyReport:
    p_lines, g_lines = view.lines()
    rules = []
    for p in sorted(p_lines):
        kind, name, gid = _subject(view, p[0])
        rules.append(
            RuleLine(kind, name, gid, _optional(p[2]), _optional(p[3]), p[4], casbin_line("p", p))
        )
    users = {u.id: u for u in await User.filter(id__in=[parse_id(g[0]) for g in g_lines])}
    memberships = []
    for g in sorted(g_lines):
        user = users.get(parse_id(g[0]))
        if user is None:
            continue
        kind, name, gid = _subject(view, g[1])
        memberships.append(MembershipLine(user, kind, name, gid, casbin_line("g", g)))
    memberships.sort(key=lambda m: (m.user.identifier, m.subject_kind, m.subject))
    lines = [r.casbin for r in rules] + [m.casbin for m in memberships]
    return PolicyReport(organisation, rules, memberships, lines, model_text())
