"""One Casbin enforcer per domain, loaded on demand with filtered loading, kept in a bounded LRU.

A single enforcer over every organisation costs time linear in all policy lines (seconds at 10³
organisations, see stack-notes); one per organisation keeps a check independent of their number.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from pathlib import Path

import casbin
from casbin.config import Config
from casbin.model import Model

from policies.adapter import DomainFilter, TortoiseAdapter

MODEL_PATH = Path(__file__).with_name("model.conf")


@cache
def model_text() -> str:
    return MODEL_PATH.read_text(encoding="utf-8")


@cache
def _definitions() -> tuple[tuple[str, str, str], ...]:
    """The model's sections (one each), its text parsed once: reading and parsing the file was
    a third of a first request, parsing the text alone 35 µs of the rest."""
    parsed = Config.new_config_from_text(model_text())
    return tuple((section, section, parsed.get(f"{Model.section_name_map[section]}::{section}"))
                 for section in "rpemg")


async def load_enforcer(domain: str) -> casbin.AsyncEnforcer:
    model = Model()
    for definition in _definitions():
        model.add_def(*definition)
    enforcer = casbin.AsyncEnforcer(model, TortoiseAdapter())
    await enforcer.load_filtered_policy(DomainFilter((domain,)))
    # Role names match exactly. Casbin's domain role manager defaults to an equality *function*,
    # which makes it compare each new link with every role so far when it builds a domain's
    # roles (quadratic: 10⁵ calls for an organisation's 2,000 links, most of a first request);
    # without one, a role is found by its name.
    enforcer.get_role_manager().add_matching_func(None)
    return enforcer


def ignore_lookup(hit: bool) -> None:
    return None


class EnforcerRegistry:
    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._enforcers: OrderedDict[str, asyncio.Future[casbin.AsyncEnforcer]] = OrderedDict()
        # Bumped on every change of a domain: compiled scopes carry the version they were built at.
        self._versions: dict[str, int] = {}
        # Bumped when every domain is forgotten at once (see `clear`).
        self._epoch = 0
        # False while changes made by other processes could go unnoticed (watcher disconnected):
        # then nothing is cached and every request reads the policies afresh.
        self.trusted = True
        self._listeners: list[Callable[[str], None]] = []
        # `on_lookup(hit)` for every lookup (the service's metrics set it).
        self.on_lookup: Callable[[bool], None] = ignore_lookup

    def version(self, domain: str) -> tuple[int, int]:
        return self._epoch, self._versions.get(domain, 0)

    def trust(self, trusted: bool) -> None:
        """Start or stop caching; either way, what was cached before is forgotten."""
        self.trusted = trusted
        self.clear()

    def on_invalidate(self, listener: Callable[[str], None]) -> None:
        """`listener(domain)` after each invalidation; `"*"` when every domain is forgotten."""
        self._listeners.append(listener)

    async def get(self, domain: str) -> casbin.AsyncEnforcer:
        if not self.trusted:
            return await load_enforcer(domain)
        future = self._enforcers.get(domain)
        self.on_lookup(future is not None)
        if future is not None:
            self._enforcers.move_to_end(domain)
            return await asyncio.shield(future)
        # Concurrent first requests for one domain share a single load.
        future = asyncio.get_running_loop().create_future()
        self._enforcers[domain] = future
        self._evict()
        try:
            future.set_result(await load_enforcer(domain))
        except BaseException as exc:
            self._enforcers.pop(domain, None)
            future.set_exception(exc)
            future.exception()  # mark retrieved: the caller gets it below
            raise
        return future.result()

    def invalidate(self, domain: str) -> None:
        """Forget a domain after its policies changed (here or in another process)."""
        self._enforcers.pop(domain, None)
        self._versions[domain] = self._versions.get(domain, 0) + 1
        for listener in self._listeners:
            listener(domain)

    def clear(self) -> None:
        """Forget every domain, including those whose scopes outlived their enforcer."""
        self._enforcers.clear()
        self._epoch += 1
        for listener in self._listeners:
            listener("*")

    def __len__(self) -> int:
        return len(self._enforcers)

    def _evict(self) -> None:
        while len(self._enforcers) > self._capacity:
            self._enforcers.popitem(last=False)
