"""The two questions of the model, answered for one principal: `can` and `scope`.

Scopes are compiled once per (user, domain version) and cached per process; a request asks the
registry for them at most once per action. Both questions come from the same compiled scope,
which comes from Casbin's own answer (`get_implicit_permissions_for_user`); the property tests
check that it agrees with `enforce` on every object.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from opentelemetry import trace

from policies.enforcers import EnforcerRegistry, ignore_lookup
from policies.principal import Principal
from policies.scope import EMPTY, Scope, compile_scopes
from policies.vocabulary import AGENCY_DOMAIN, ANY, Act, Role, org_domain, user_subject

_tracer = trace.get_tracer("bailleurs.policies")


class ScopeCache:
    """Compiled scopes of recent principals, dropped as soon as their domain changes."""

    def __init__(self, registry: EnforcerRegistry, capacity: int = 50_000) -> None:
        self._registry = registry
        self._capacity = capacity
        self._entries: OrderedDict[
            tuple[int, str], tuple[tuple[int, int], dict[str, Scope], frozenset[str]]
        ]
        self._entries = OrderedDict()
        # `on_lookup(hit)` for every lookup (the service's metrics set it).
        self.on_lookup: Callable[[bool], None] = ignore_lookup

    def __len__(self) -> int:
        return len(self._entries)

    async def compiled(self, user_id: int, domain: str) -> tuple[dict[str, Scope], frozenset[str]]:
        key = (user_id, domain)
        version = self._registry.version(domain)
        entry = self._entries.get(key)
        self.on_lookup(entry is not None and entry[0] == version)
        if entry is not None and entry[0] == version:
            self._entries.move_to_end(key)
            return entry[1], entry[2]
        enforcer = await self._registry.get(domain)
        subject = user_subject(user_id)
        permissions = await enforcer.get_implicit_permissions_for_user(subject, domain)
        roles = frozenset(await enforcer.get_implicit_roles_for_user(subject, domain))
        organisation_id = int(domain.split(":")[1]) if domain.startswith("org:") else None
        scopes = compile_scopes(organisation_id, permissions)
        # A change may have landed while we awaited: only cache what matches the current version.
        if self._registry.trusted and self._registry.version(domain) == version:
            self._entries[key] = (version, scopes, roles)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return scopes, roles


class Guard:
    """Per-request view of one principal's rights."""

    def __init__(self, principal: Principal | None, cache: ScopeCache) -> None:
        self.principal = principal
        self._cache = cache
        self._compiled: tuple[dict[str, Scope], frozenset[str]] | None = None

    @property
    def domain(self) -> str | None:
        p = self.principal
        if p is None or p.user_id is None or p.restricted:
            return None
        if p.is_agency:
            return AGENCY_DOMAIN
        return None if p.organisation_id is None else org_domain(p.organisation_id)

    async def _rights(self) -> tuple[dict[str, Scope], frozenset[str]]:
        if self._compiled is None:
            domain, p = self.domain, self.principal
            if domain is None or p is None or p.user_id is None:
                self._compiled = ({}, frozenset())
            else:
                # One span per request: where the caller's rights come from (a no-op untraced).
                with _tracer.start_as_current_span("authorization: rights of the caller") as span:
                    span.set_attribute("authorization.domain", domain)
                    self._compiled = await self._cache.compiled(p.user_id, domain)
        return self._compiled

    async def scope(self, act: Act) -> Scope:
        scopes, _ = await self._rights()
        return scopes.get(act) or scopes.get(ANY) or EMPTY

    async def can(self, act: Act, organisation_id: int, housing_type: str, zone: str) -> bool:
        return (await self.scope(act)).allows(organisation_id, housing_type, zone)

    async def roles(self) -> frozenset[str]:
        return (await self._rights())[1]

    async def has_role(self, role: Role) -> bool:
        return role.value in await self.roles()

    async def has_organisation_right(self, act: Act) -> bool:
        """An organisation- or agency-wide right (manage, delegate, audit, replace_admin)."""
        return not (await self.scope(act)).is_empty
