"""The récapitulatif: what the last known information and the answers say, in French, as the
screen shows it before validation and as the receipt repeats it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models import RentDeclaration, Tenant
from resolvers.declarations.rent_rules import (
    ANSWERS,
    Facts,
    amount_is_unusual,
    answers_of,
    find_problems,
    managed_in_july,
    rent_is_due,
)
from resolvers.shared import french

NOT_APPLICABLE = "Sans objet"
END_OF_MANAGEMENT = (
    "Vous n'êtes plus le gestionnaire du logement : contactez la Caf afin d'effectuer "
    "les déclarations de fin de gestion."
)


@dataclass(frozen=True)
class Answer:
    field: str
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    answers: list[Answer]


@dataclass(frozen=True)
class LastKnown:
    tenant_name: str
    allocataire_number: str
    last_rent_month: str
    last_rent_cents: int | None
    last_rent: str
    occupied_since: Any
    colocation: bool
    address: str


@dataclass(frozen=True)
class Summary:
    month: str
    sections: list[Section]
    problems: dict[str, str]
    notices: list[str] = field(default_factory=list)
    amount_unusual: bool = False

    @property
    def complete(self) -> bool:
        return not self.problems

    @property
    def lines(self) -> list[str]:
        out: list[str] = []
        for section in self.sections:
            out.append(f"{section.number}. {section.title}")
            out.extend(f"{a.label} : {a.value}" for a in section.answers)
        return out


def address_of(tenant: Tenant) -> str:
    h = tenant.housing
    return f"{h.address} {h.postal_code} {h.commune}"


def last_known(tenant: Tenant, year: int, month_number: int) -> LastKnown:
    return LastKnown(
        tenant_name=f"{tenant.first_name} {tenant.last_name}",
        allocataire_number=tenant.allocataire_number,
        last_rent_month=french.month(year - 1, month_number),
        last_rent_cents=tenant.last_rent_cents,
        last_rent=french.euros(tenant.last_rent_cents),
        occupied_since=tenant.occupied_since,
        colocation=tenant.colocation,
        address=address_of(tenant),
    )


def answer(name: str, label: str, value: str) -> Answer:
    return Answer(ANSWERS[name], label, value)


def summarize(row: RentDeclaration, facts: Facts, month_label: str, low: int, high: int) -> Summary:
    v = answers_of(row)
    sections = [
        Section(1, "Gestion du logement", _management(v)),
        Section(2, "Locataire", _tenant(v) if managed_in_july(v, facts) else []),
        Section(3, "Colocation", _colocation(v) if rent_is_due(v, facts) else []),
        Section(4, "Montant du loyer", _rent(v, month_label) if rent_is_due(v, facts) else []),
        Section(5, "Signalement d'impayé", _unpaid(v)),
    ]
    sections = [
        s if s.answers else Section(s.number, s.title, [_not_applicable(s.number)])
        for s in sections
    ]
    unusual = rent_is_due(v, facts) and amount_is_unusual(v, low, high)
    notices = [END_OF_MANAGEMENT] if v["still_manager"] is False else []
    if unusual and not row.amount_confirmed:
        notices.append(
            f"Le loyer de {french.euros(v['rent_cents'])} sort des montants habituels "
            f"({french.euros(low)} à {french.euros(high)}) : confirmez-le lors de la validation."
        )
    return Summary(month_label, sections, find_problems(v, facts, complete=True), notices, unusual)


def _not_applicable(number: int) -> Answer:
    why = "logement non géré en juillet" if number == 2 else "pas de loyer de juillet à déclarer"
    return Answer("", NOT_APPLICABLE, why)


def _management(v) -> list[Answer]:
    still = french.yes_no(v["still_manager"])
    out = [answer("still_manager", "Toujours gestionnaire du logement", still)]
    if v["still_manager"] is False:
        out.append(
            answer("management_end_date", "Fin de gestion le", french.day(v["management_end_date"]))
        )
    return out


def _tenant(v) -> list[Answer]:
    out = [
        answer(
            "tenant_still_present",
            "Locataire toujours présent",
            french.yes_no(v["tenant_still_present"]),
        )
    ]
    if v["tenant_still_present"] is False:
        out.append(answer("departure_date", "Date de départ", french.day(v["departure_date"])))
        out.append(
            answer("new_address", "Nouvelle adresse du locataire", v["new_address"] or "Inconnue")
        )
    return out


def _colocation(v) -> list[Answer]:
    out = [answer("colocation", "Colocation", french.yes_no(v["colocation"]))]
    if v["colocation"]:
        count = v["co_tenant_count"]
        out.append(
            answer(
                "co_tenant_count",
                "Nombre de colocataires",
                "Non renseigné" if count is None else str(count),
            )
        )
    return out


def _rent(v, month_label: str) -> list[Answer]:
    return [
        answer("rent_cents", f"Loyer hors charges de {month_label}", french.euros(v["rent_cents"])),
        answer("charges_cents", f"Charges de {month_label}", french.euros(v["charges_cents"])),
    ]


def _unpaid(v) -> list[Answer]:
    if v["unpaid_amount_cents"] is None and v["unpaid_since"] is None:
        return [answer("unpaid_amount_cents", "Impayé signalé", "Non")]
    return [
        answer(
            "unpaid_amount_cents", "Montant de l'impayé", french.euros(v["unpaid_amount_cents"])
        ),
        answer("unpaid_since", "Impayé depuis le", french.day(v["unpaid_since"])),
    ]
