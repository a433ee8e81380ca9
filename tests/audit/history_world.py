"""A small organisation whose history is played at chosen instants (the project's clock stopped
at each), through the real endpoint: admin mutations, imports, logins and reads."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from bailleurs.agency import create_agent
from bailleurs.importer import import_data
from models import HabilitationGroup, Organisation, Tenant, User
from policies.enforcers import load_enforcer
from policies.vocabulary import Role, org_domain
from resolvers.audit import chain as audit_log
from resolvers.habilitations.administration import habilitation_state
from resolvers.shared import clock
from tests.accounts.operations import LOGIN
from tests.declarations.operations import DEPARTURE, TENANT
from tests.habilitations.operations import CLOSE_USER, SET_USER_GROUPS
from tests.support.factories import PASSWORD, make_user, organisation_data

COUNT = "query { tenants(first: 1) { totalCount } }"
WHO = """query($t: ID!, $at: Instant, $between: AccessInterval) {
  whoCanAccess(tenantId: $t, at: $at, between: $between) {
    user { identifier } allowed reason tenantLeftAt periods { from to } } }"""
EXPLAIN = """query($u: ID!, $t: ID!, $at: Instant, $between: AccessInterval) {
  explainAccess(userId: $u, tenantId: $t, action: READ, at: $at, between: $between) {
    allowed reason tenantLeftAt periods { from to } } }"""
USER_ACCESS = """query($u: ID!, $at: Instant, $between: AccessInterval) {
  userAccess(userId: $u, action: READ, at: $at, between: $between) {
    total byHousing { housingType zone count } } }"""

_names = itertools.count(1)
USERS = ("admin", "agent", "mixed", "resp")


@dataclass
class HistoryWorld:
    api: object
    data: dict  # the organisation's import file, changed and re-imported by the history
    org: Organisation
    groups: dict[str, HabilitationGroup]
    users: dict[str, User]
    tenant: Tenant  # the tenant whose access is watched
    auditor: str
    seen: list[tuple[datetime, dict[str, bool], dict[str, int]]] = field(default_factory=list)
    homes: list[str] = field(default_factory=list)  # the watched tenant's housing at each `seen`
    # The watched tenant's declared departure: its instant, the housing left, and how many
    # observations had been made before it was declared (one departure per tenant).
    departure: tuple[datetime, str, int] | None = None

    @property
    def identifiers(self) -> dict[str, str]:
        return {u.identifier: key for key, u in self.users.items()}

    async def login(self, identifier: str) -> str | None:
        body = await self.api.gql(LOGIN, {"identifier": identifier, "password": PASSWORD})
        login = (body.get("data") or {}).get("login")
        return login["token"] if login and not login["requiredActions"] else None

    async def auditor_token(self) -> str:
        token = await self.login(self.auditor)
        assert token
        return token

    async def admin(self, query: str, variables: dict) -> None:
        """An administrator's change; a refusal (e.g. a closed account) changes nothing."""
        await self.api.gql(query, variables, await self.login(self.users["admin"].identifier))

    async def set_groups(self, user: str, groups: list[str]) -> None:
        ids = [str(self.groups[g].id) for g in groups if g in self.groups]
        await self.admin(SET_USER_GROUPS, {"u": str(self.users[user].id), "g": ids})

    async def close(self, user: str, in_days: int) -> None:
        day = (clock.today()).toordinal() + in_days
        await self.admin(
            CLOSE_USER, {"u": str(self.users[user].id), "d": datetime.fromordinal(day).date()
                         .isoformat()}
        )

    async def reimport(self) -> None:
        services = self.api.services
        await import_data({"organisations": [copy.deepcopy(self.data)]}, services.settings,
                          services.registry)
        await self._refresh_groups()

    def housing(self, ref: str) -> dict:
        return next(h for h in self.data["housings"] if h["ref"] == ref)

    async def move_tenant(self, ref: str) -> None:
        """The watched tenant now lives in housing `ref` (as the next import file says)."""
        number = self.tenant.allocataire_number
        moving = None
        for h in self.data["housings"]:
            for t in list(h["tenants"]):
                if t["allocataireNumber"] == number:
                    h["tenants"].remove(t)
                    moving = t
        self.housing(ref)["tenants"].append(moving)
        await self.reimport()

    def home(self) -> str:
        number = self.tenant.allocataire_number
        return next(h["ref"] for h in self.data["housings"]
                    if any(t["allocataireNumber"] == number for t in h["tenants"]))

    async def depart(self, days_ago: int) -> None:
        """The administrator declares the watched tenant's departure, effective `days_ago` days
        before today (a second one is refused: one departure per tenant)."""
        day = clock.today() - timedelta(days=days_ago)
        token = await self.login(self.users["admin"].identifier)
        body = await self.api.gql(DEPARTURE, {"input": {
            "tenantId": str(self.tenant.id), "departureDate": day.isoformat(),
            "departureMonthRentPaidInFull": True}}, token)
        if (body.get("data") or {}).get("declareTenantDeparture"):
            assert self.departure is None
            self.departure = (clock.paris_start_of(day), self.home(), len(self.seen))
        else:
            assert self.departure is not None, body

    def left_at(self, index: int) -> datetime | None:
        """The departure an answer at the `index`-th observation must report: the housing
        left is where the tenant was then, from the departure's instant on, and (once it was
        declared) the tenant has not moved since."""
        if self.departure is None:
            return None
        moment, left, declared = self.departure
        if self.seen[index][0] < moment or self.homes[index] != left:
            return None
        if index >= declared and any(h != left for h in self.homes[declared : index + 1]):
            return None
        return moment

    async def requalify(self, ref: str, kind: str, dept: str) -> None:
        h = self.housing(ref)
        h.update(type=kind, departement=dept, postalCode=f"{dept:0>2}000"[:5])
        await self.reimport()

    async def observe(self) -> None:
        """What each user really gets now, logged in: the watched tenant, and how many."""
        reads, counts = {}, {}
        for key in USERS:
            token = await self.login(self.users[key].identifier)
            if token is None:
                reads[key], counts[key] = False, 0
                continue
            body = await self.api.gql(TENANT, {"id": str(self.tenant.id)}, token)
            reads[key] = bool((body.get("data") or {}).get("tenant"))
            total = await self.api.gql(COUNT, None, token)
            counts[key] = (total.get("data") or {}).get("tenants", {}).get("totalCount", 0)
        self.seen.append((clock.now(), reads, counts))
        self.homes.append(self.home())

    async def _refresh_groups(self) -> None:
        for g in await HabilitationGroup.filter(organisation_id=self.org.id):
            kind = "c" if g.housing_type.value == "conventionne" else "p"
            self.groups[f"{kind}{g.zones[0]}"] = g


async def history_world(api, auditor: str) -> HistoryWorld:
    """Organisation with housings h0 (conventionné 14, the watched tenant), h1 (privé 14) and
    h2 (conventionné 75); an administrator, an agent, a mixed agent and a responsable. Their
    starting states are written to the trail as the admin mutations write them."""
    n = next(_names)
    data = organisation_data(
        f"HISTOIRE {n}", [("CONVENTIONNE", "14", 1), ("PRIVE", "14", 1), ("CONVENTIONNE", "75", 1)]
    )
    services = api.services
    await import_data({"organisations": [copy.deepcopy(data)]}, services.settings,
                      services.registry)
    org = await Organisation.get(user_number=data["userNumber"])
    world = HistoryWorld(api, data, org, {}, {}, None, auditor)  # type: ignore[arg-type]
    await world._refresh_groups()
    g = world.groups
    world.users = {
        "admin": await make_user(api, org, f"H{n}.ADMIN", roles=(Role.ADMINISTRATEUR,)),
        "agent": await make_user(api, org, f"H{n}.AGENT", groups=(g["c14"],)),
        "mixed": await make_user(api, org, f"H{n}.MIXED", groups=(g["p14"], g["c75"])),
        "resp": await make_user(api, org, f"H{n}.RESP", roles=(Role.RESPONSABLE,)),
    }
    enforcer = await load_enforcer(org_domain(org.id))
    for user in world.users.values():
        await audit_log.record(
            "user_created", actor_id=None, actor_label="test", organisation_id=org.id,
            target_type="user", target_id=user.id, after=await habilitation_state(enforcer, user),
        )
    number = data["housings"][0]["tenants"][0]["allocataireNumber"]
    world.tenant = await Tenant.get(allocataire_number=number)
    return world


async def auditor_account(api) -> str:
    identifier = f"CAF.HIST{next(_names)}"
    await create_agent(api.services.settings, "auditeur", identifier, PASSWORD)
    return identifier


# The day the stopped-clock worlds start on (winter: Paris is UTC+1), at 08:00 UTC.
DAY = datetime(2031, 3, 10, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


# Imported by the test modules that use them (`from … import lifted_throttle, stopped_world`).
@pytest.fixture(name="settings")
def lifted_throttle(settings):
    # The clock stands still between steps: every login falls in the same throttle window.
    return replace(settings, ip_attempts_per_minute=1_000_000, lockout_threshold=1_000_000)


@pytest.fixture(name="world")
async def stopped_world(api):
    """A history world made at 08:00 UTC on DAY, the clock stopped (restarted afterwards)."""
    clock.set_now(at(8))
    try:
        yield await history_world(api, await auditor_account(api))
    finally:
        clock.set_now(None)
