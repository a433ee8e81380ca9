"""Property: whatever sequence of habilitation mutations the administrateur and two responsables
make through HTTP, no account ever gains a (housing type, zone) right outside the perimeter of
the responsable who acted.

A hypothesis state machine draws the calls (createUser, setUserGroups, closeUser, unlockUser by
anyone; setHabilitationManager by the administrateur, which moves perimeters, or by a delegate).
After each call it checks, against the stored Casbin lines read before the call:
- the outcome is exactly the rule's (an oracle restating it from the lines alone): a test that
  refused everything would fail as surely as one that let an escalation through;
- a refused call changed no policy line;
- a delegate's accepted call changed only the target's group memberships, and Casbin's enforcer
  then gives the target no pair outside the delegate's perimeter.

Hypothesis runs in a worker thread and hands each call's coroutine to the test's event loop.
DELEGATION_EXAMPLES / DELEGATION_STEPS size the default run (~1 min on both databases); the
`slow` test runs four times as many examples, twice as long.
"""

from __future__ import annotations

import asyncio
import itertools
import os

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from models import CasbinRule, User
from models.enums import UserStatus
from policies.vocabulary import Role
from resolvers.shared.clock import today
from tests.accounts.operations import UNLOCK
from tests.habilitations.operations import CLOSE_USER, CREATE_USER
from tests.habilitations.operations import SET_HABILITATION_MANAGER as SET_MANAGER
from tests.habilitations.operations import SET_USER_GROUPS as SET_GROUPS
from tests.security.delegation_support import (
    GROUPS,
    MANAGERS,
    DelegationWorld,
    build_world,
    casbin_rights,
    delegate_may,
    memberships,
    new_user_input,
    perimeter,
    policy_lines,
    token_of,
)

EXAMPLES = int(os.environ.get("DELEGATION_EXAMPLES", "60"))
STEPS = int(os.environ.get("DELEGATION_STEPS", "15"))
ACTORS = ("admin", "r13", "r14")

actors = st.sampled_from(["r13", "r14", "r13", "r14", "admin"])
group_names = st.sets(st.sampled_from(sorted(GROUPS)), max_size=3)
targets = st.integers(min_value=0, max_value=1_000)
_emails = itertools.count()


class Harness:
    """The world, its initial state (restored before each example) and the event loop."""

    def __init__(self, api, world: DelegationWorld, loop) -> None:
        self.api, self.world, self.loop = api, world, loop
        self.rows: list[dict] = []
        self.accounts: list[dict] = []
        self.calls = 0
        self.outcomes: dict[str, int] = {"refused": 0, "admin": 0, "delegate": 0}

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    async def snapshot(self) -> None:
        domain = self.world.domain
        rows = await CasbinRule.filter(ptype="p", v1=domain) + await CasbinRule.filter(
            ptype="g", v2=domain
        )
        self.rows = [{k: getattr(r, k) for k in ("ptype", "v0", "v1", "v2", "v3", "v4", "v5")}
                     for r in rows]
        ids = [u.id for u in self.world.users.values()]
        self.accounts = await User.filter(id__in=ids).values(
            "id", "status", "closing_date", "failed_logins", "locked_until"
        )

    async def restore(self) -> dict[str, str]:
        domain = self.world.domain
        await CasbinRule.filter(ptype="p", v1=domain).delete()
        await CasbinRule.filter(ptype="g", v2=domain).delete()
        await CasbinRule.bulk_create([CasbinRule(**row) for row in self.rows])
        for account in self.accounts:
            await User.filter(id=account["id"]).update(
                **{k: v for k, v in account.items() if k != "id"}
            )
        self.api.services.registry.invalidate(domain)
        return {name: await token_of(self.api, self.world.users[name]) for name in ACTORS}


class DelegationMachine(RuleBasedStateMachine):
    harness: Harness

    @initialize()
    def fresh_world(self) -> None:
        h = self.harness
        self.tokens = h.run(h.restore())
        self.pool = [u.id for u in h.world.users.values()]

    def _target(self, index: int) -> int:
        return self.pool[index % len(self.pool)]

    def _group_ids(self, names) -> list[int]:
        return sorted(self.harness.world.groups[n].id for n in names)

    async def _expected(self, lines, actor: str, op: str, target, grants) -> str | None:
        actor_id = self.harness.world.users[actor].id
        if (await User.get(id=actor_id)).status == UserStatus.CLOSED:
            return "UNAUTHENTICATED"
        roles = memberships(lines, actor_id) & MANAGERS
        if not roles or (op == "name" and Role.ADMINISTRATEUR.value not in roles):
            return "FORBIDDEN"
        if Role.ADMINISTRATEUR.value in roles:
            target_is_admin = target is not None and Role.ADMINISTRATEUR.value in memberships(
                lines, target
            )
            return "CONFLICT" if op in ("close", "name") and target_is_admin else None
        if op == "name":
            return "FORBIDDEN"
        return None if delegate_may(lines, actor_id, target, grants) else "FORBIDDEN"

    async def _call(self, actor: str, op: str, target, grants, query: str, variables: dict):
        h, world = self.harness, self.harness.world
        before = await policy_lines(world.domain)
        expected = await self._expected(before, actor, op, target, grants)
        response = await h.api.post(query, variables, self.tokens[actor])
        body = response.json()
        h.calls += 1
        code = body["errors"][0]["extensions"]["code"] if body.get("errors") else None
        step = (actor, op, target, grants, body)
        assert code == expected, step
        after = await policy_lines(world.domain)
        if code is not None:
            assert after == before, step
            h.outcomes["refused"] += 1
            return body
        actor_id = world.users[actor].id
        if Role.ADMINISTRATEUR.value in memberships(before, actor_id):
            h.outcomes["admin"] += 1
            return body
        h.outcomes["delegate"] += 1
        if op == "create":
            target = int(body["data"]["createUser"]["id"])
            self.pool.append(target)
        subject = f"u:{target}"
        for line in after ^ before:
            assert line[0] == "g" and line[1] == subject and line[2].startswith("grp:"), step
        rights = await casbin_rights(world.domain, target)
        assert rights <= perimeter(before, actor_id), (step, rights)
        return body

    @rule(actor=actors, names=group_names)
    def create_user(self, actor, names) -> None:
        grants = self._group_ids(names)
        email = f"cree{next(_emails)}@example.test"
        self.harness.run(self._call(actor, "create", None, grants, CREATE_USER,
                                    new_user_input(email, grants)))

    @rule(actor=actors, index=targets, names=group_names)
    def set_user_groups(self, actor, index, names) -> None:
        target, grants = self._target(index), self._group_ids(names)
        variables = {"u": str(target), "g": [str(g) for g in grants]}
        self.harness.run(self._call(actor, "groups", target, grants, SET_GROUPS, variables))

    @rule(actor=actors, index=targets, later=st.booleans())
    def close_user(self, actor, index, later) -> None:
        target = self._target(index)
        day = "2099-12-31" if later else str(today())
        self.harness.run(self._call(actor, "close", target, [], CLOSE_USER,
                                    {"u": str(target), "d": day}))

    @rule(actor=actors, index=targets)
    def unlock_user(self, actor, index) -> None:
        target = self._target(index)
        self.harness.run(self._call(actor, "unlock", target, [], UNLOCK, {"id": str(target)}))

    @rule(actor=actors, index=targets, enabled=st.booleans(),
          names=st.none() | st.sets(st.sampled_from(sorted(GROUPS)), min_size=1, max_size=3))
    def set_habilitation_manager(self, actor, index, enabled, names) -> None:
        target = self._target(index)
        grants = self._group_ids(names) if names is not None and enabled else None
        variables = {"u": str(target), "on": enabled,
                     "g": None if grants is None else [str(g) for g in grants]}
        self.harness.run(self._call(actor, "name", target, grants or [], SET_MANAGER, variables))


async def _run(api, examples: int, steps: int) -> dict[str, int]:
    world = await build_world(api)
    harness = Harness(api, world, asyncio.get_running_loop())
    await harness.snapshot()
    machine = type("Machine", (DelegationMachine,), {"harness": harness})
    options = settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                       database=None, suppress_health_check=list(HealthCheck))
    await asyncio.get_running_loop().run_in_executor(
        None, lambda: run_state_machine_as_test(machine, settings=options)
    )
    assert harness.calls >= examples  # every example made calls through HTTP
    return harness.outcomes


async def test_no_delegate_ever_grants_outside_its_perimeter(api):
    outcomes = await _run(api, EXAMPLES, STEPS)
    # the sequences explored both sides of the rule, not only refusals
    assert min(outcomes.values()) > 0, outcomes


@pytest.mark.slow
async def test_no_delegate_ever_grants_outside_its_perimeter_long_run(api):
    outcomes = await _run(api, EXAMPLES * 4, STEPS * 2)
    assert min(outcomes.values()) > 0, outcomes
