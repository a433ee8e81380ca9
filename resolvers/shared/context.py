"""The typed request context handed to every resolver, and the process-wide services."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, TypeVar, cast

from starlette.requests import Request
from strawberry.dataloader import DataLoader
from tortoise.backends.base.client import BaseDBAsyncClient

from policies.enforcers import EnforcerRegistry
from policies.guard import Guard, ScopeCache
from policies.principal import Principal
from resolvers.shared.errors import Forbidden, Unauthenticated

if TYPE_CHECKING:  # annotations only: settings reach this layer through the context
    from bailleurs.settings import Settings

# Called after a policy change commits, with its domain (local invalidation).
PolicyChanged: TypeAlias = Callable[[str], Awaitable[None]]
# Called inside a policy change's transaction with (connection, domain), to tell the other
# processes at commit time (PostgreSQL NOTIFY; see bailleurs.watcher).
AnnouncePolicyChange: TypeAlias = Callable[[BaseDBAsyncClient, str], Awaitable[None]]
Loader = TypeVar("Loader", bound=DataLoader[Any, Any])
# A loader class taking no argument (see resolvers.shared.loaders).
LoaderClass: TypeAlias = Callable[[], DataLoader[Any, Any]]


class PolicyWatcher(Protocol):
    """What the rest of the process sees of bailleurs.watcher.PolicyWatcher."""

    listening: asyncio.Event

    async def run(self) -> None: ...


@dataclass
class Services:
    """Shared by all requests of one process."""

    settings: Settings
    registry: EnforcerRegistry
    scopes: ScopeCache
    # Set when a mail is queued so the sender wakes up at once.
    mail_queued: asyncio.Event = field(default_factory=asyncio.Event)
    policy_changed: PolicyChanged | None = None
    announce_policy_change: AnnouncePolicyChange | None = None
    # The policy watcher of this process (PostgreSQL only).
    watcher: PolicyWatcher | None = None


@dataclass
class Context:
    request: Request
    services: Services
    principal: Principal | None
    guard: Guard
    client_ip: str
    loaders: dict[LoaderClass, DataLoader[Any, Any]] = field(default_factory=dict)
    # Cookies to set or clear on the HTTP response (login, logout).
    cookies: list[tuple[str, str | None]] = field(default_factory=list)
    # Auditor reads already written to the trail by this request (resolvers.audit.reads).
    reads_recorded: set[tuple[Any, ...]] = field(default_factory=set)
    # The caller as the schema's read rules see it (schema.read_rules.Reader), per operation.
    reader: Any = None

    @property
    def settings(self) -> Settings:
        return self.services.settings

    # For resolvers of fields whose permission class already refused whom these refuse: typed
    # for the checker, and a refusal rather than a crash should a field lose its permission.
    @property
    def caller(self) -> Principal:
        """The caller, with a session (perhaps a first login's)."""
        if self.principal is None:
            raise Unauthenticated()
        return self.principal

    @property
    def user_id(self) -> int:
        """The signed-in user's id (a first login's session has none)."""
        if self.caller.user_id is None:
            raise Unauthenticated()
        return self.caller.user_id

    @property
    def organisation_id(self) -> int:
        """The caller's organisation (an agency account has none)."""
        if self.caller.organisation_id is None:
            raise Forbidden()
        return self.caller.organisation_id

    def loader(self, kind: Callable[[], Loader]) -> Loader:
        """One DataLoader per request and per loader class."""
        if kind not in self.loaders:
            self.loaders[kind] = kind()
        return cast(Loader, self.loaders[kind])  # each loader is keyed by its own class
