"""The Tortoise adapter against Casbin's adapter contract, and all-or-nothing policy changes."""

from __future__ import annotations

import casbin
import pytest

from models import AuditEvent, CasbinRule
from policies.adapter import DomainFilter, TortoiseAdapter
from policies.enforcers import MODEL_PATH, load_enforcer
from resolvers.audit import chain as audit_log
from resolvers.habilitations.policy_changes import policy_change


async def _fresh() -> casbin.AsyncEnforcer:
    enforcer = casbin.AsyncEnforcer(str(MODEL_PATH), TortoiseAdapter())
    await enforcer.load_policy()
    return enforcer


async def test_adapter_round_trips_every_operation(api):
    e = await _fresh()
    await e.add_policy("grp:1", "org:1", "prive", "14", "read")
    await e.add_policies([["grp:2", "org:1", "conventionne", "2A", "read"],
                          ["grp:3", "org:2", "prive", "971", "declare"]])
    await e.add_grouping_policy("u:1", "grp:1", "org:1")
    await e.add_grouping_policies([["u:2", "grp:2", "org:1"], ["u:3", "grp:3", "org:2"]])
    reloaded = await _fresh()
    assert sorted(reloaded.get_policy()) == sorted(e.get_policy())
    assert sorted(reloaded.get_grouping_policy()) == sorted(e.get_grouping_policy())
    assert reloaded.enforce("u:1", "org:1", "prive", "14", "read")
    assert not reloaded.enforce("u:1", "org:1", "prive", "2A", "read")

    await e.remove_policy("grp:1", "org:1", "prive", "14", "read")
    await e.remove_grouping_policy("u:1", "grp:1", "org:1")
    await e.remove_policies([["grp:2", "org:1", "conventionne", "2A", "read"]])
    reloaded = await _fresh()
    assert reloaded.get_policy() == [["grp:3", "org:2", "prive", "971", "declare"]]
    assert sorted(reloaded.get_grouping_policy()) == [
        ["u:2", "grp:2", "org:1"], ["u:3", "grp:3", "org:2"]]


async def test_filtered_removal_respects_the_policy_type(api):
    # casbin-tortoise-adapter 2.0 deletes g lines with a p filter; ours must not.
    e = await _fresh()
    await e.add_policy("org:9", "org:9", "prive", "14", "read")
    await e.add_grouping_policy("org:9", "grp:1", "org:9")
    await e.remove_filtered_policy(0, "org:9")
    assert await CasbinRule.filter(ptype="g").count() == 1
    assert await CasbinRule.filter(ptype="p").count() == 0


async def test_filtered_loading_takes_one_domain_only(api):
    e = await _fresh()
    await e.add_policies([
        ["grp:1", "org:1", "prive", "14", "read"], ["grp:2", "org:2", "prive", "14", "read"]])
    await e.add_grouping_policies([["u:1", "grp:1", "org:1"], ["u:2", "grp:2", "org:2"]])
    one = casbin.AsyncEnforcer(str(MODEL_PATH), TortoiseAdapter())
    await one.load_filtered_policy(DomainFilter(("org:1",)))
    assert one.get_policy() == [["grp:1", "org:1", "prive", "14", "read"]]
    assert one.get_grouping_policy() == [["u:1", "grp:1", "org:1"]]
    assert one.is_filtered()
    with pytest.raises(RuntimeError):
        await one.save_policy()


async def test_save_policy_replaces_the_stored_lines(api):
    e = await _fresh()
    await e.add_policy("grp:1", "org:1", "prive", "14", "read")
    e.model.clear_policy()
    e.model.add_policy("p", "p", ["grp:5", "org:5", "prive", "75", "read"])
    await e.save_policy()
    assert (await _fresh()).get_policy() == [["grp:5", "org:5", "prive", "75", "read"]]


async def test_a_failed_change_leaves_neither_the_rule_nor_the_audit_event(api):
    before_rules, before_events = await CasbinRule.all().count(), await AuditEvent.all().count()
    with pytest.raises(RuntimeError):
        async with policy_change(api.services, "org:1") as enforcer:
            await enforcer.add_grouping_policy("u:1", "administrateur", "org:1")
            await audit_log.record("user_groups_set", actor_id=None, actor_label="test",
                                   organisation_id=None, target_type="user", target_id=1)
            raise RuntimeError("failure between the two halves")
    assert await CasbinRule.all().count() == before_rules
    assert await AuditEvent.all().count() == before_events
    assert not (await load_enforcer("org:1")).has_grouping_policy("u:1", "administrateur", "org:1")
