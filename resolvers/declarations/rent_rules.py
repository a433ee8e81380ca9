"""The wizard's rules, as pure functions: how a partial save merges, and what is missing or
inconsistent. The same checks run on every save (inconsistencies only) and on validation
(everything), so the récapitulatif, a save and a validation never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from resolvers.shared import french

# Model attribute -> the public (camelCase) name of the answer, used in `extensions.fields`.
ANSWERS = {
    "still_manager": "stillManager",
    "management_end_date": "managementEndDate",
    "tenant_still_present": "tenantStillPresent",
    "departure_date": "departureDate",
    "new_address": "newAddress",
    "colocation": "colocation",
    "co_tenant_count": "coTenantCount",
    "rent_cents": "rentCents",
    "charges_cents": "chargesCents",
    "unpaid_amount_cents": "unpaidAmountCents",
    "unpaid_since": "unpaidSince",
}

# A yes/no answer hides the questions that depend on it when it takes this value.
GATES: dict[str, tuple[bool, tuple[str, ...]]] = {
    "still_manager": (True, ("management_end_date",)),
    "tenant_still_present": (True, ("departure_date", "new_address")),
    "colocation": (False, ("co_tenant_count",)),
}


@dataclass(frozen=True)
class Facts:
    """What the rules need to know besides the answers."""

    occupied_since: date | None
    reference_day: date  # first day of the declared month (1 July of the campaign year)
    today: date
    max_co_tenants: int


def answers_of(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ANSWERS}


def merge(current: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Apply one wizard step; answers hidden by a new yes/no are dropped unless given too."""
    merged = {**current, **given}
    for gate, (hide_when, dependents) in GATES.items():
        if gate in given and given[gate] is hide_when:
            for name in dependents:
                if name not in given:
                    merged[name] = None
    return merged


def managed_in_july(v: dict[str, Any], facts: Facts) -> bool:
    end = v["management_end_date"]
    return not (v["still_manager"] is False and end is not None and end < facts.reference_day)


def present_in_july(v: dict[str, Any], facts: Facts) -> bool:
    left = v["departure_date"]
    return not (
        v["tenant_still_present"] is False and left is not None and left < facts.reference_day
    )


def rent_is_due(v: dict[str, Any], facts: Facts) -> bool:
    """The July rent is asked only if the landlord managed the housing and the tenant lived
    there in July."""
    return managed_in_july(v, facts) and present_in_july(v, facts)


def find_problems(v: dict[str, Any], facts: Facts, *, complete: bool) -> dict[str, str]:
    """Every inconsistent answer, and with `complete` every missing one, by public field name."""
    found: dict[str, str] = {}
    missing: dict[str, str] = {}
    # Inconsistencies are checked everywhere; answers are missing only where still asked.
    _management(v, facts, found, missing)
    _tenant(v, facts, found, missing if managed_in_july(v, facts) else {})
    due = missing if rent_is_due(v, facts) else {}
    _colocation(v, facts, found, due)
    _rent(v, found, due)
    _unpaid(v, facts, found, missing)
    if complete:
        found = {**missing, **found}
    return {ANSWERS[name]: message for name, message in found.items()}


def _not_after_today(v, name, label, facts, found) -> None:
    if v[name] is not None and v[name] > facts.today:
        found[name] = f"{label} ne peut pas être postérieure à aujourd'hui."


def _management(v, facts, found, missing) -> None:
    if v["still_manager"] is None:
        missing["still_manager"] = "Indiquez si vous êtes toujours le gestionnaire du logement."
    elif v["still_manager"] is False and v["management_end_date"] is None:
        missing["management_end_date"] = "Indiquez la date de fin de gestion du logement."
    elif v["still_manager"] is True and v["management_end_date"] is not None:
        found["management_end_date"] = (
            "Une date de fin de gestion est sans objet si vous êtes toujours le gestionnaire."
        )
    _not_after_today(v, "management_end_date", "La date de fin de gestion", facts, found)


def _tenant(v, facts, found, missing) -> None:
    if v["tenant_still_present"] is None:
        missing["tenant_still_present"] = "Indiquez si le locataire occupe toujours le logement."
    elif v["tenant_still_present"] is False and v["departure_date"] is None:
        missing["departure_date"] = "Indiquez la date de départ du locataire."
    elif v["tenant_still_present"] is True and v["departure_date"] is not None:
        found["departure_date"] = (
            "Une date de départ est sans objet si le locataire est toujours présent."
        )
    _not_after_today(v, "departure_date", "La date de départ", facts, found)
    if v["new_address"] is not None and len(v["new_address"]) > 300:
        found["new_address"] = "La nouvelle adresse ne peut dépasser 300 caractères."
    left, since = v["departure_date"], facts.occupied_since
    if left is not None and since is not None and left < since:
        found["departure_date"] = (
            f"La date de départ précède l'entrée dans le logement ({french.day(since)})."
        )


def _colocation(v, facts, found, missing) -> None:
    count = v["co_tenant_count"]
    if v["colocation"] is None:
        missing["colocation"] = "Indiquez s'il s'agit d'une colocation."
    elif v["colocation"] is True and count is None:
        missing["co_tenant_count"] = "Indiquez le nombre de colocataires."
    elif v["colocation"] is False and count:
        found["co_tenant_count"] = "Un nombre de colocataires est sans objet hors colocation."
    if (
        count is not None
        and v["colocation"] is not False
        and not 1 <= count <= facts.max_co_tenants
    ):
        found["co_tenant_count"] = (
            f"Le nombre de colocataires doit être compris entre 1 et {facts.max_co_tenants}."
        )


def _rent(v, found, missing) -> None:
    if v["rent_cents"] is None:
        missing["rent_cents"] = "Indiquez le montant du loyer de juillet hors charges."
    elif v["rent_cents"] <= 0:
        found["rent_cents"] = "Le loyer hors charges doit être supérieur à 0 €."
    if v["charges_cents"] is None:
        missing["charges_cents"] = "Indiquez le montant des charges (0 s'il n'y en a pas)."
    elif v["charges_cents"] < 0:
        found["charges_cents"] = "Le montant des charges ne peut pas être négatif."


def _unpaid(v, facts, found, missing) -> None:
    amount, since = v["unpaid_amount_cents"], v["unpaid_since"]
    if amount is not None and since is None:
        missing["unpaid_since"] = "Indiquez depuis quand le loyer est impayé."
    if since is not None and amount is None:
        missing["unpaid_amount_cents"] = "Indiquez le montant de l'impayé."
    if amount is not None and amount <= 0:
        found["unpaid_amount_cents"] = "Le montant de l'impayé doit être supérieur à 0 €."
    _not_after_today(v, "unpaid_since", "La date de début de l'impayé", facts, found)
    if since is not None and facts.occupied_since is not None and since < facts.occupied_since:
        found["unpaid_since"] = (
            f"La date de début de l'impayé précède l'entrée dans le logement "
            f"({french.day(facts.occupied_since)})."
        )


def amount_is_unusual(v: dict[str, Any], low: int, high: int) -> bool:
    rent = v["rent_cents"]
    return rent is not None and rent > 0 and not low <= rent <= high
