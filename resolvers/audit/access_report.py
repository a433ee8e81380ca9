"""Who can access what in one organisation: per user and action, tenants by housing type and zone.

The rows are what `userAccess` answers for each user, gathered for the auditor's CSV export.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import User
from policies.vocabulary import Act, parse_id
from resolvers.audit.explain import ROLE_LABELS, account_refusal
from resolvers.audit.policy_view import PolicyView
from resolvers.audit.questions import count_by_housing, scope_in

REPORTED_ACTS = (Act.READ, Act.DECLARE, Act.MANAGE)


@dataclass
class AccessRow:
    user: User
    roles: list[str]
    groups: list[str]
    refusal: str | None
    action: str
    housing_type: str | None
    zone: str | None
    tenants: int


def _names(view: PolicyView, user_id: int) -> tuple[list[str], list[str]]:
    roles, groups = [], []
    for subject in view.memberships(user_id):
        if subject.startswith("grp:"):
            group = view.groups.get(parse_id(subject))
            groups.append(group.name if group else subject)
        else:
            roles.append(ROLE_LABELS.get(subject, subject))
    return roles, groups


async def access_rows(view: PolicyView) -> list[AccessRow]:
    users = await User.filter(id__in=view.user_ids()).order_by("last_name", "first_name", "id")
    rows = []
    for user in users:
        roles, groups = _names(view, user.id)
        refusal = account_refusal(view.accounts.get(user.id), view)
        for act in REPORTED_ACTS:
            counts = await count_by_housing(scope_in(view, user.id, act), view.moment)
            base = (user, roles, groups, refusal.value if refusal else None, act.value)
            if not counts:
                rows.append(AccessRow(*base, None, None, 0))
            rows += [AccessRow(*base, c.housing_type, c.zone, c.count) for c in counts]
    return rows
