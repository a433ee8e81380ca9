"""After a fault: is every change whole or absent, and does the audit trail match the data?"""

from __future__ import annotations

from collections import defaultdict

from models import AuditEvent, CasbinRule, OutboxMail, User
from policies.vocabulary import parse_id
from resolvers.audit.chain import GENESIS, event_digest


async def chain_problems() -> list[str]:
    """Every event chains onto the previous one and its digest covers its content."""
    problems, prev = [], GENESIS
    for event in await AuditEvent.all().order_by("id"):
        if event.prev_digest != prev:
            problems.append(f"event {event.id}: chained onto {event.prev_digest[:8]}")
        if event_digest(event) != event.digest:
            problems.append(f"event {event.id}: digest does not cover its content")
        prev = event.digest
    return problems


async def stored_memberships() -> dict[int, dict[str, list]]:
    """user id -> {"roles": [...], "groups": [...]} as the policy table holds them."""
    state: dict[int, dict[str, list]] = defaultdict(lambda: {"roles": [], "groups": []})
    for rule in await CasbinRule.filter(ptype="g", v0__startswith="u:"):
        entry = state[parse_id(rule.v0)]
        if rule.v1.startswith("grp:"):
            entry["groups"].append(parse_id(rule.v1))
        else:
            entry["roles"].append(rule.v1)
    return {k: {"roles": sorted(v["roles"]), "groups": sorted(v["groups"])}
            for k, v in state.items()}


async def trail_problems(new_users_after: int | None = None) -> list[str]:
    """The latest audited state of each user is their stored state; each user created after id
    `new_users_after` has exactly one creation event and one credentials mail."""
    problems = await chain_problems()
    stored = await stored_memberships()
    latest: dict[int, AuditEvent] = {}
    created: dict[int, int] = defaultdict(int)
    for event in await AuditEvent.filter(target_type="user").order_by("id"):
        user_id = int(event.target_id)
        if isinstance(event.after, dict) and "groups" in event.after:
            latest[user_id] = event
        created[user_id] += event.action == "user_created"
    for user_id, event in latest.items():
        have = stored.get(user_id, {"roles": [], "groups": []})
        want = {"roles": sorted(event.after["roles"]), "groups": sorted(event.after["groups"])}
        if have != want:
            problems.append(f"user {user_id}: stored {have}, audited {want} ({event.action})")
    new_users = [] if new_users_after is None else await User.filter(id__gt=new_users_after)
    for user in new_users:
        mails = await OutboxMail.filter(recipient=user.email).count()
        if created[user.id] != 1 or mails != 1:
            problems.append(f"user {user.id}: {created[user.id]} creation events, {mails} mails")
    return problems
