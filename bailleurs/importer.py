"""The agency's import: organisations, housing, tenants and payments from one JSON file.

The whole file is checked before anything is written, and written in one transaction: a bad
line names its place (`organisations[0].housings[2].departement`) and nothing is imported.
Rows are matched on userNumber, ref and allocataireNumber, so a second import changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from models import HabilitationGroup, Housing, Organisation, Payment, Tenant
from models.enums import HousingType
from models.validators import is_allocataire_number, is_departement, is_postal_code, is_user_number
from policies.defaults import group_rules, organisation_role_rules
from policies.enforcers import EnforcerRegistry
from policies.vocabulary import org_domain
from resolvers import audit_log
from resolvers.passwords import generate_identifier, generate_password, hash_password

TYPES = {"CONVENTIONNE": HousingType.CONVENTIONNE, "PRIVE": HousingType.PRIVE}
TYPE_LABELS = {HousingType.CONVENTIONNE: "Logements conventionnés", HousingType.PRIVE: "Logements privés"}


class ImportError_(Exception):  # noqa: N801 - not the builtin
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Report:
    new_organisations: list[dict[str, str]] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def require(self, obj: Any, key: str, where: str, kind: type | tuple = str) -> Any:
        if not isinstance(obj, dict) or key not in obj:
            self.problems.append(f"{where}.{key} : champ obligatoire manquant")
            return None
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            self.problems.append(f"{where}.{key} : type inattendu ({type(value).__name__})")
            return None
        return value

    def check(self, ok: bool, where: str, message: str) -> None:
        if not ok:
            self.problems.append(f"{where} : {message}")

    def date(self, obj: dict, key: str, where: str, fmt: str = "day") -> None:
        value = obj.get(key)
        if value is None:
            return
        try:
            date.fromisoformat(value + "-01" if fmt == "month" else value)
        except (TypeError, ValueError):
            self.problems.append(f"{where}.{key} : date invalide {value!r}")


def validate(data: Any) -> None:
    c = _Checker()
    orgs = c.require(data, "organisations", "fichier", list) or []
    seen_numbers: set[str] = set()
    seen_allocataires: set[str] = set()
    for i, org in enumerate(orgs):
        w = f"organisations[{i}]"
        c.require(org, "name", w)
        number = c.require(org, "userNumber", w)
        if number is not None:
            c.check(is_user_number(number), f"{w}.userNumber", f"N° utilisateur invalide {number!r} (14 caractères A-Z, 0-9)")
            c.check(number not in seen_numbers, f"{w}.userNumber", "en double dans le fichier")
            seen_numbers.add(number)
        convention = c.require(org, "convention", w, dict)
        if convention is not None:
            c.require(convention, "name", f"{w}.convention")
            c.require(convention, "state", f"{w}.convention")
        refs: set[str] = set()
        org_allocataires: set[str] = set()
        for j, housing in enumerate(c.require(org, "housings", w, list) or []):
            hw = f"{w}.housings[{j}]"
            ref = c.require(housing, "ref", hw)
            c.check(ref not in refs, f"{hw}.ref", "en double dans l'organisation")
            refs.add(ref)
            kind = c.require(housing, "type", hw)
            if kind is not None:
                c.check(kind in TYPES, f"{hw}.type", f"type inconnu {kind!r} (CONVENTIONNE ou PRIVE)")
            for key in ("address", "commune"):
                c.require(housing, key, hw)
            postal = c.require(housing, "postalCode", hw)
            if postal is not None:
                c.check(is_postal_code(postal), f"{hw}.postalCode", f"code postal invalide {postal!r}")
            dept = c.require(housing, "departement", hw)
            if dept is not None:
                c.check(is_departement(dept), f"{hw}.departement", f"département inconnu {dept!r}")
            for k, tenant in enumerate(c.require(housing, "tenants", hw, list) or []):
                tw = f"{hw}.tenants[{k}]"
                number = c.require(tenant, "allocataireNumber", tw)
                if number is not None:
                    c.check(is_allocataire_number(number), f"{tw}.allocataireNumber",
                            f"numéro allocataire invalide {number!r} (1 à 7 chiffres)")
                    c.check(number not in seen_allocataires, f"{tw}.allocataireNumber", "en double dans le fichier")
                    seen_allocataires.add(number)
                    org_allocataires.add(number)
                c.require(tenant, "lastName", tw)
                c.require(tenant, "firstName", tw)
                c.date(tenant, "occupiedSince", tw)
                for key in ("lastRentCents", "benefitCents"):
                    if tenant.get(key) is not None:
                        c.check(isinstance(tenant[key], int) and not isinstance(tenant[key], bool)
                                and tenant[key] >= 0, f"{tw}.{key}", "montant en centimes (entier positif)")
        for k, payment in enumerate(org.get("payments", []) if isinstance(org, dict) else []):
            pw = f"{w}.payments[{k}]"
            number = c.require(payment, "allocataireNumber", pw)
            c.check(number in org_allocataires, f"{pw}.allocataireNumber",
                    "locataire absent des logements de cette organisation")
            c.require(payment, "month", pw)
            c.date(payment, "month", pw, fmt="month")
            c.date(payment, "paidOn", pw)
            amount = c.require(payment, "amountCents", pw, int)
            if amount is not None:
                c.check(amount >= 0, f"{pw}.amountCents", "montant négatif")
    if c.problems:
        raise ImportError_(c.problems)


def parse(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportError_([f"ligne {exc.lineno}, colonne {exc.colno} : JSON invalide ({exc.msg})"]) from exc
    validate(data)
    return data


async def _upsert(model, match: dict, values: dict, report: Report, kind: str):
    row = await model.get_or_none(**match)
    if row is None:
        row = await model.create(**match, **values)
        report.count(kind, True)
        return row, True
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changed:
        await model.filter(id=row.id).update(**changed)
        report.count(kind, False)
        for k, v in changed.items():
            setattr(row, k, v)
    return row, False


async def _organisation(org: dict, settings, report: Report) -> Organisation:
    values = {
        "name": org["name"],
        "convention_name": org["convention"]["name"],
        "convention_state": org["convention"]["state"],
    }
    for key, column in (("email", "email"), ("postalAddress", "postal_address")):
        if key in org:
            values[column] = org[key]
    row = await Organisation.get_or_none(user_number=org["userNumber"])
    if row is not None:
        row, _ = await _upsert(Organisation, {"user_number": org["userNumber"]}, values, report, "organisation")
        return row
    identifier, password = generate_identifier("P"), generate_password()
    row = await Organisation.create(
        user_number=org["userNumber"], initial_identifier=identifier,
        initial_password_hash=hash_password(settings, password), **values,
    )
    report.count("organisation", True)
    report.new_organisations.append({
        "organisation": row.name, "userNumber": row.user_number,
        "identifier": identifier, "initialPassword": password,
    })
    return row


async def _groups(organisation: Organisation, enforcer, report: Report) -> None:
    """One group per (housing type, département) present, with its policy lines."""
    pairs = set(await Housing.filter(organisation_id=organisation.id).values_list("housing_type", "departement"))
    for housing_type, dept in sorted(pairs):
        housing_type = HousingType(housing_type)
        name = f"{TYPE_LABELS[housing_type]} – {dept}"
        group, created = await _upsert(
            HabilitationGroup, {"organisation_id": organisation.id, "name": name},
            {"housing_type": housing_type, "zones": [dept]}, report, "group",
        )
        if created:
            await enforcer.add_policies(group_rules(organisation.id, group.id, housing_type.value, [dept]))
            # Auditors rebuild past habilitations from the trail: a group exists from this event.
            await audit_log.record(
                "group_created", actor_id=None, actor_label="import", organisation_id=organisation.id,
                target_type="group", target_id=group.id,
                after={"name": name, "housing_type": housing_type.value, "zones": [dept]},
            )


async def import_data(data: dict, settings, registry: EnforcerRegistry | None = None) -> Report:
    from policies.enforcers import load_enforcer

    report = Report()
    changed_domains: list[str] = []
    async with in_transaction():
        for org in data["organisations"]:
            organisation = await _organisation(org, settings, report)
            domain = org_domain(organisation.id)
            enforcer = await load_enforcer(domain)
            if not enforcer.get_filtered_policy(1, domain):
                await enforcer.add_policies(organisation_role_rules(organisation.id))
            tenants_by_number: dict[str, Tenant] = {}
            for housing in org["housings"]:
                h, _ = await _upsert(
                    Housing, {"organisation_id": organisation.id, "ref": housing["ref"]},
                    {"housing_type": TYPES[housing["type"]], "address": housing["address"],
                     "postal_code": housing["postalCode"], "commune": housing["commune"],
                     "departement": housing["departement"]}, report, "housing",
                )
                for tenant in housing.get("tenants", []):
                    values = {
                        "housing_id": h.id, "last_name": tenant["lastName"],
                        "first_name": tenant["firstName"],
                        "occupied_since": date.fromisoformat(tenant["occupiedSince"]) if tenant.get("occupiedSince") else None,
                        "colocation": bool(tenant.get("colocation", False)),
                        "last_rent_cents": tenant.get("lastRentCents"),
                        "benefit_cents": tenant.get("benefitCents"),
                    }
                    t, _ = await _upsert(Tenant, {"allocataire_number": tenant["allocataireNumber"]},
                                         values, report, "tenant")
                    tenants_by_number[t.allocataire_number] = t
            await _groups(organisation, enforcer, report)
            for payment in org.get("payments", []):
                month = date.fromisoformat(payment["month"] + "-01")
                paid_on = (date.fromisoformat(payment["paidOn"]) if payment.get("paidOn")
                           else (month + timedelta(days=32)).replace(day=5))
                await _upsert(
                    Payment, {"tenant_id": tenants_by_number[payment["allocataireNumber"]].id, "month": month},
                    {"paid_on": paid_on, "amount_cents": payment["amountCents"]}, report, "payment",
                )
            changed_domains.append(domain)
    if registry is not None:
        for domain in changed_domains:
            registry.invalidate(domain)
    return report
