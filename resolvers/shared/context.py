"""The typed request context handed to every resolver, and the process-wide services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from bailleurs.settings import Settings
from policies.enforcers import EnforcerRegistry
from policies.guard import Guard, ScopeCache
from policies.principal import Principal


@dataclass
class Services:
    """Shared by all requests of one process."""

    settings: Settings
    registry: EnforcerRegistry
    scopes: ScopeCache
    # Set when a mail is queued so the sender wakes up at once.
    mail_queued: asyncio.Event = field(default_factory=asyncio.Event)
    # Called after a policy change commits, with its domain (local invalidation).
    policy_changed: Any = None
    # Called inside a policy change's transaction with (connection, domain), to tell the other
    # processes at commit time (PostgreSQL NOTIFY; see bailleurs.watcher).
    announce_policy_change: Any = None
    # The policy watcher of this process (PostgreSQL only).
    watcher: Any = None


@dataclass
class Context:
    request: Request
    services: Services
    principal: Principal | None
    guard: Guard
    client_ip: str
    loaders: dict[str, Any] = field(default_factory=dict)
    # Cookies to set or clear on the HTTP response (login, logout).
    cookies: list[tuple[str, str | None]] = field(default_factory=list)
    # The caller as the schema's read rules see it (schema.read_rules.Reader), per operation.
    reader: Any = None

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def loader(self, factory: Any) -> Any:
        """One DataLoader per request and per loader class."""
        name = factory.__name__
        if name not in self.loaders:
            self.loaders[name] = factory()
        return self.loaders[name]
