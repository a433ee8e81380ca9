"""`can()` for one object, in process, against the loaded policies of the bench database.

- first request of an organisation: a fresh `Guard` of one of its users, nothing cached for the
  organisation (its enforcer is loaded from `casbin_rule` with filtered loading, the user's scope
  compiled), timed around the first `can()`;
- warm, per request: a new `Guard` per call (what each HTTP request builds), answered from the
  `ScopeCache`; warm, within a request: repeated `can()` on one `Guard`;
- stock: `enforcer.enforce(...)` on the same organisation's cached per-organisation enforcer.
"""

from __future__ import annotations

import random
import statistics
import time

from tortoise import Tortoise

from bailleurs.db import tortoise_config
from models import CasbinRule, HabilitationGroup
from policies.enforcers import EnforcerRegistry
from policies.guard import Guard, ScopeCache
from policies.principal import Principal
from policies.vocabulary import Act, org_domain, parse_id, user_subject


def stats_us(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"median": statistics.median(ordered) / 1000, "p99": p99 / 1000, "n": len(ordered)}


async def _subjects(organisations: int, rng: random.Random) -> list[tuple[int, int, list]]:
    """(organisation, user in a group, objects to ask about) for a sample of organisations."""
    lines = await CasbinRule.filter(ptype="g", v1__startswith="grp:").values_list("v0", "v2")
    users: dict[int, int] = {}
    for subject, domain in lines:
        users.setdefault(parse_id(domain), parse_id(subject))
    chosen = rng.sample(sorted(users), min(organisations, len(users)))
    groups = await HabilitationGroup.filter(organisation_id__in=chosen).values_list(
        "organisation_id", "housing_type", "zones"
    )
    objects: dict[int, list] = {org: [] for org in chosen}
    for org, housing_type, zones in groups:
        for zone in zones:
            objects[org].append((str(housing_type.value if hasattr(housing_type, "value")
                                     else housing_type), zone))
    return [(org, users[org], objects[org] + [("prive", "75"), ("conventionne", "971")])
            for org in chosen]


async def measure(database_url: str, organisations: int, calls: int, seed: int = 9) -> dict:
    rng = random.Random(seed)
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        subjects = await _subjects(organisations, rng)
        registry = EnforcerRegistry(capacity=len(subjects) + 10)
        cache = ScopeCache(registry)
        first: list[int] = []
        for org, user, objects in subjects:
            principal = Principal(user_id=user, organisation_id=org)
            housing_type, zone = objects[0]
            started = time.perf_counter_ns()
            await Guard(principal, cache).can(Act.READ, org, housing_type, zone)
            first.append(time.perf_counter_ns() - started)
        per_request, within, stock = [], [], []
        guards = {org: Guard(Principal(user_id=user, organisation_id=org), cache)
                  for org, user, _ in subjects}
        enforcers = {org: await registry.get(org_domain(org)) for org, _, _ in subjects}
        for _ in range(calls):
            org, user, objects = rng.choice(subjects)
            housing_type, zone = rng.choice(objects)
            principal = Principal(user_id=user, organisation_id=org)
            started = time.perf_counter_ns()
            await Guard(principal, cache).can(Act.READ, org, housing_type, zone)
            per_request.append(time.perf_counter_ns() - started)
            guard = guards[org]
            started = time.perf_counter_ns()
            await guard.can(Act.READ, org, housing_type, zone)
            within.append(time.perf_counter_ns() - started)
            enforcer, dom = enforcers[org], org_domain(org)
            started = time.perf_counter_ns()
            enforcer.enforce(user_subject(user), dom, housing_type, zone, Act.READ.value)
            stock.append(time.perf_counter_ns() - started)
        return {
            "organisations_sampled": len(subjects),
            "first request": stats_us(first),
            "warm, new Guard per request": stats_us(per_request),
            "warm, within a request": stats_us(within),
            "stock per-org enforcer.enforce": stats_us(stock),
        }
    finally:
        await Tortoise.close_connections()
