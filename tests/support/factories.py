"""Small async factories for test data, written through the product's own code paths."""

from __future__ import annotations

import itertools
from datetime import date

from models import HabilitationGroup, Organisation, Tenant, User
from models.enums import UserStatus
from policies.vocabulary import Role, org_domain, user_subject
from resolvers.accounts.passwords import hash_password
from resolvers.shared.clock import now

PASSWORD = "Motdepasse-Test-1"
_numbers = itertools.count(1000)


def organisation_data(
    name: str, housings: list[tuple[str, str, int]], number: str | None = None
) -> dict:
    """`housings`: (type, département, tenant count) per housing group."""
    n = next(_numbers)
    number = number or f"ORG{n:011d}"
    rows = []
    for i, (kind, dept, count) in enumerate(housings):
        tenants = []
        for _ in range(count):
            t = next(_numbers)
            tenants.append({"allocataireNumber": f"{t:07d}", "lastName": f"NOM{t}",
                            "firstName": f"PRENOM{t}", "occupiedSince": "2020-01-01",
                            "lastRentCents": 40000, "benefitCents": 15000})
        postal = "20000" if dept == "2A" else ("97110" if dept == "971" else f"{dept:0>2}000")[:5]
        rows.append({"ref": f"h{i}", "type": kind, "address": f"{i} RUE DU TEST",
                     "postalCode": postal, "commune": f"VILLE {dept}", "departement": dept,
                     "tenants": tenants})
    return {"name": name, "userNumber": number, "convention": {"name": name, "state": "Validée"},
            "housings": rows}


async def import_organisations(api, *organisations: dict) -> list[dict]:
    from bailleurs.importer import import_data

    report = await import_data({"organisations": list(organisations)}, api.services.settings,
                               api.services.registry)
    return report.new_organisations


async def make_user(api, organisation: Organisation | None, identifier: str, *,
                    roles: tuple[Role, ...] = (), groups: tuple[HabilitationGroup, ...] = (),
                    **fields) -> User:
    from policies.enforcers import load_enforcer

    moment = now()
    user = await User.create(
        identifier=identifier, organisation=organisation, status=UserStatus.ACTIVE,
        password_hash=hash_password(api.services.settings, PASSWORD), must_change_password=False,
        profile_completed_at=moment, usage_rules_accepted_at=moment, terms_accepted_at=moment,
        email=f"{identifier.lower()}@example.test", last_name=identifier, first_name="Test",
        **fields,
    )
    if organisation is not None:
        domain = org_domain(organisation.id)
        enforcer = await load_enforcer(domain)
        for role in roles:
            await enforcer.add_role_for_user_in_domain(user_subject(user.id), role.value, domain)
        for group in groups:
            await enforcer.add_role_for_user_in_domain(
                user_subject(user.id), f"grp:{group.id}", domain
            )
        api.services.registry.invalidate(domain)
    return user


async def group(organisation: Organisation, kind: str, dept: str) -> HabilitationGroup:
    label = "Logements conventionnés" if kind == "conventionne" else "Logements privés"
    return await HabilitationGroup.get(organisation=organisation, name=f"{label} – {dept}")


async def tenants_of(organisation: Organisation) -> list[Tenant]:
    return await Tenant.filter(housing__organisation=organisation).select_related("housing")


def today() -> date:
    return now().date()
