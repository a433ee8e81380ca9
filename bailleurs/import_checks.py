"""Checks of the agency's import file, before anything is written.

Every problem names its place (`organisations[0].housings[2].departement`); lengths come from
the models so that a valid file never fails half-way in the database.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from models import Housing, Organisation, Tenant
from models.enums import HousingType
from models.validators import (
    column_length,
    is_allocataire_number,
    is_departement,
    is_postal_code,
    is_user_number,
)

TYPES = {"CONVENTIONNE": HousingType.CONVENTIONNE, "PRIVE": HousingType.PRIVE}


class ImportFileRejected(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# File key -> (model, column) whose length limit applies, checked before anything is written.
_LIMITS = {
    "name": (Organisation, "name"),
    "ref": (Housing, "ref"),
    "address": (Housing, "address"),
    "commune": (Housing, "commune"),
    "lastName": (Tenant, "last_name"),
    "firstName": (Tenant, "first_name"),
    "email": (Organisation, "email"),
}


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def require(
        self, obj: Any, key: str, where: str, kind: type | tuple = str, optional: bool = False
    ) -> Any:
        if not isinstance(obj, dict) or obj.get(key) is None:
            if not optional:
                self.problems.append(f"{where}.{key} : champ obligatoire manquant")
            return None
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            self.problems.append(f"{where}.{key} : type inattendu ({type(value).__name__})")
            return None
        limit = column_length(*_LIMITS[key]) if key in _LIMITS and kind is str else None
        if limit is not None and isinstance(value, str) and len(value) > limit:
            self.problems.append(
                f"{where}.{key} : trop long ({len(value)} caractères, {limit} au plus)"
            )
            return None
        return value

    def check(self, ok: bool, where: str, message: str) -> None:
        if not ok:
            self.problems.append(f"{where} : {message}")

    def date(self, obj: dict, key: str, where: str, fmt: str = "day") -> None:
        value = self.require(obj, key, where, optional=fmt == "day")
        if value is None:
            return
        try:
            date.fromisoformat(value + "-01" if fmt == "month" else value)
        except ValueError:
            self.problems.append(f"{where}.{key} : date invalide {value!r}")

    def cents(self, obj: dict, key: str, where: str, optional: bool = True) -> None:
        value = self.require(obj, key, where, int, optional=optional)
        if value is not None:
            self.check(0 <= value < 2**31, f"{where}.{key}", "montant en centimes (entier positif)")


class _Validator:
    """Walks the file once; `allocataires` tracks numbers across organisations."""

    def __init__(self) -> None:
        self.c = _Checker()
        self.user_numbers: set[str] = set()
        self.allocataires: set[str] = set()

    def organisation(self, org: Any, w: str) -> None:
        c = self.c
        c.require(org, "name", w)
        number = c.require(org, "userNumber", w)
        if number is not None:
            c.check(
                is_user_number(number),
                f"{w}.userNumber",
                f"N° utilisateur invalide {number!r} (14 caractères A-Z, 0-9)",
            )
            c.check(number not in self.user_numbers, f"{w}.userNumber", "en double dans le fichier")
            self.user_numbers.add(number)
        convention = c.require(org, "convention", w, dict)
        if convention is not None:
            c.require(convention, "name", f"{w}.convention")
            c.require(convention, "state", f"{w}.convention")
        c.require(org, "email", w, optional=True)
        c.require(org, "postalAddress", w, optional=True)
        refs: set[str] = set()
        tenants: set[str] = set()
        for j, housing in enumerate(c.require(org, "housings", w, list) or []):
            self.housing(housing, f"{w}.housings[{j}]", refs, tenants)
        months: set[tuple[str, str]] = set()
        for k, payment in enumerate(c.require(org, "payments", w, list, optional=True) or []):
            self.payment(payment, f"{w}.payments[{k}]", tenants, months)

    def housing(self, housing: Any, hw: str, refs: set[str], tenants: set[str]) -> None:
        c = self.c
        ref = c.require(housing, "ref", hw)
        if ref is not None:
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
        for k, tenant in enumerate(c.require(housing, "tenants", hw, list, optional=True) or []):
            self.tenant(tenant, f"{hw}.tenants[{k}]", tenants)

    def tenant(self, tenant: Any, tw: str, tenants: set[str]) -> None:
        c = self.c
        number = c.require(tenant, "allocataireNumber", tw)
        if number is not None:
            c.check(
                is_allocataire_number(number),
                f"{tw}.allocataireNumber",
                f"numéro allocataire invalide {number!r} (1 à 7 chiffres)",
            )
            c.check(
                number not in self.allocataires,
                f"{tw}.allocataireNumber",
                "en double dans le fichier",
            )
            self.allocataires.add(number)
            tenants.add(number)
        c.require(tenant, "lastName", tw)
        c.require(tenant, "firstName", tw)
        c.date(tenant, "occupiedSince", tw)
        c.require(tenant, "colocation", tw, bool, optional=True)
        for key in ("lastRentCents", "benefitCents"):
            c.cents(tenant, key, tw)

    def payment(self, payment: Any, pw: str, tenants: set[str], months: set) -> None:
        c = self.c
        number = c.require(payment, "allocataireNumber", pw)
        if number is not None:
            c.check(
                number in tenants,
                f"{pw}.allocataireNumber",
                "locataire absent des logements de cette organisation",
            )
        c.date(payment, "month", pw, fmt="month")
        c.date(payment, "paidOn", pw)
        c.cents(payment, "amountCents", pw, optional=False)
        key = (number, payment.get("month") if isinstance(payment, dict) else None)
        c.check(key not in months, pw, "paiement en double pour ce locataire et ce mois")
        months.add(key)


def validate(data: Any) -> None:
    v = _Validator()
    for i, org in enumerate(v.c.require(data, "organisations", "fichier", list) or []):
        v.organisation(org, f"organisations[{i}]")
    if v.c.problems:
        raise ImportFileRejected(v.c.problems)


def parse(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileRejected(
            [f"ligne {exc.lineno}, colonne {exc.colno} : JSON invalide ({exc.msg})"]
        ) from exc
    validate(data)
    return data
