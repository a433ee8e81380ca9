"""The agency's import: organisations, housing, tenants and payments from one JSON file.

The whole file is checked before anything is written, and written in one transaction: a bad
line names its place (`organisations[0].housings[2].departement`) and nothing is imported.
Rows are matched on userNumber, ref and allocataireNumber, so a second import changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from tortoise.transactions import in_transaction

from bailleurs.import_checks import POSTAL_COLUMNS, TYPES, ImportFileRejected, parse, validate
from models import HabilitationGroup, Housing, Organisation, Payment, Tenant
from models.enums import HousingType
from models.organisations import folded
from models.tenant_copies import carried
from policies.defaults import group_rules, organisation_role_rules
from policies.enforcers import EnforcerRegistry
from policies.vocabulary import org_domain
from resolvers.accounts.passwords import generate_identifier, generate_password, hash_password
from resolvers.audit import chain as audit_log
from resolvers.audit import history as audit_history
from resolvers.declarations.counters import serialise_imports

TYPE_LABELS = {
    HousingType.CONVENTIONNE: "Logements conventionnés",
    HousingType.PRIVE: "Logements privés",
}

# Housing columns a tenant row carries (scope columns, and search text for the last two).
COPIED_FROM_HOUSING = {"housing_type", "departement", "commune", "postal_code"}

__all__ = ["ImportFileRejected", "Report", "import_data", "parse", "validate"]


@dataclass
class Report:
    new_organisations: list[dict[str, str]] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1


async def _upsert(model, match: dict, values: dict, report: Report, kind: str, derived=None):
    """Create or update the row matched by `match`: (row, created, names of the values changed).
    `derived(row)` gives columns computed from the others (not counted as changes)."""
    row = await model.get_or_none(**match)
    if row is None:
        row = model(**match, **values)
        if derived is not None:
            for k, v in derived(row).items():
                setattr(row, k, v)
        await row.save()
        report.count(kind, True)
        return row, True, set()
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    own = set(changed)
    for k, v in changed.items():
        setattr(row, k, v)
    if derived is not None:
        stale = {k: v for k, v in derived(row).items() if getattr(row, k) != v}
        for k, v in stale.items():
            setattr(row, k, v)
        changed.update(stale)
    if changed:
        await model.filter(id=row.id).update(**changed)
    if own:
        report.count(kind, False)
    return row, False, own


async def _refresh_tenants(housing: Housing) -> None:
    """A housing changed: what its tenants carry from it follows, in the same transaction
    (tenants absent from this file too)."""
    for tenant in await Tenant.filter(housing_id=housing.id):
        stale = {k: v for k, v in carried(tenant, housing).items() if getattr(tenant, k) != v}
        if stale:
            await Tenant.filter(id=tenant.id).update(**stale)


async def _organisation(org: dict, settings, report: Report) -> Organisation:
    values = {
        "name": org["name"],
        "search_name": folded(org["name"]),
        "convention_name": org["convention"]["name"],
        "convention_state": org["convention"]["state"],
    }
    if "email" in org:
        values["email"] = org["email"]
    if "postalAddress" in org:  # given, it replaces the whole address (line2 may go)
        address = org["postalAddress"] or {}
        values.update({column: address.get(key) for key, column in POSTAL_COLUMNS.items()})
    row = await Organisation.get_or_none(user_number=org["userNumber"])
    if row is not None:
        row, _, _ = await _upsert(
            Organisation, {"user_number": org["userNumber"]}, values, report, "organisation"
        )
        return row
    identifier, password = generate_identifier("P"), generate_password()
    row = await Organisation.create(
        user_number=org["userNumber"],
        initial_identifier=identifier,
        initial_password_hash=hash_password(settings, password),
        **values,
    )
    report.count("organisation", True)
    report.new_organisations.append(
        {
            "organisation": row.name,
            "userNumber": row.user_number,
            "identifier": identifier,
            "initialPassword": password,
        }
    )
    return row


async def _groups(organisation: Organisation, enforcer, report: Report,
                  events: list[dict]) -> None:
    """One group per (housing type, département) present, with its policy lines; the audit
    events of those created are added to `events`."""
    pairs = set(
        await Housing.filter(organisation_id=organisation.id).values_list(
            "housing_type", "departement"
        )
    )
    for housing_type, dept in sorted(pairs):
        housing_type = HousingType(housing_type)
        name = f"{TYPE_LABELS[housing_type]} – {dept}"
        group, created, _ = await _upsert(
            HabilitationGroup,
            {"organisation_id": organisation.id, "name": name},
            {"housing_type": housing_type, "zones": [dept]},
            report,
            "group",
        )
        if created:
            await enforcer.add_policies(
                group_rules(organisation.id, group.id, housing_type.value, [dept])
            )
            # Auditors rebuild past habilitations from the trail: a group exists from this event.
            events.append(dict(
                action="group_created", actor_id=None, actor_label="import",
                organisation_id=organisation.id, target_type="group", target_id=group.id,
                after={"name": name, "housing_type": housing_type.value, "zones": [dept]},
            ))


async def import_data(data: dict, settings, registry: EnforcerRegistry | None = None) -> Report:
    from bailleurs.watcher import announce
    from policies.enforcers import load_enforcer

    report = Report()
    changed_domains: list[str] = []
    organisation_ids: list[int] = []
    events: list[dict] = []
    async with in_transaction() as connection:
        await serialise_imports(connection)
        for org in data["organisations"]:
            organisation = await _organisation(org, settings, report)
            organisation_ids.append(organisation.id)
            domain = org_domain(organisation.id)
            enforcer = await load_enforcer(domain)
            if not enforcer.get_filtered_policy(1, domain):
                await enforcer.add_policies(organisation_role_rules(organisation.id))
            tenants_by_number: dict[str, Tenant] = {}
            for housing in org["housings"]:
                h, _, changed = await _upsert(
                    Housing,
                    {"organisation_id": organisation.id, "ref": housing["ref"]},
                    {
                        "housing_type": TYPES[housing["type"]],
                        "address": housing["address"],
                        "postal_code": housing["postalCode"],
                        "commune": housing["commune"],
                        "departement": housing["departement"],
                    },
                    report,
                    "housing",
                )
                if changed & COPIED_FROM_HOUSING:
                    await _refresh_tenants(h)
                for tenant in housing.get("tenants", []):
                    values = {
                        "housing_id": h.id,
                        "last_name": tenant["lastName"],
                        "first_name": tenant["firstName"],
                        "occupied_since": date.fromisoformat(tenant["occupiedSince"])
                        if tenant.get("occupiedSince")
                        else None,
                        "colocation": bool(tenant.get("colocation", False)),
                        "last_rent_cents": tenant.get("lastRentCents"),
                        "benefit_cents": tenant.get("benefitCents"),
                    }
                    t, _, _ = await _upsert(
                        Tenant,
                        {"allocataire_number": tenant["allocataireNumber"]},
                        values,
                        report,
                        "tenant",
                        lambda row, h=h: carried(row, h),
                    )
                    tenants_by_number[t.allocataire_number] = t
            await _groups(organisation, enforcer, report, events)
            for payment in org.get("payments", []):
                month = date.fromisoformat(payment["month"] + "-01")
                paid_on = (
                    date.fromisoformat(payment["paidOn"])
                    if payment.get("paidOn")
                    else (month + timedelta(days=32)).replace(day=5)
                )
                await _upsert(
                    Payment,
                    {
                        "tenant_id": tenants_by_number[payment["allocataireNumber"]].id,
                        "month": month,
                    },
                    {"paid_on": paid_on, "amount_cents": payment["amountCents"]},
                    report,
                    "payment",
                )
            changed_domains.append(domain)
        # Recorded after every counted write: the counters' triggers lock each organisation
        # before the audit trail's global lock is taken (migration 0016), as the wizard does, so
        # no organisation is locked while that lock is held (no deadlock with a declaration).
        for event in events:
            await audit_log.record(event.pop("action"), **event)
        # Past answers count the tenants of then: each arrival or move is dated, in this import.
        await audit_history.place_tenants(organisation_ids)
        for domain in changed_domains:  # running service processes hear of it at commit
            await announce(connection, domain)
    if registry is not None:
        for domain in changed_domains:
            registry.invalidate(domain)
    return report
