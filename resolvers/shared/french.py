"""French renderings of money, dates and months, shared by the récapitulatif, answers and PDF."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def euros(cents: int | None) -> str:
    """`32875` -> `328,75 €`; thousands grouped with a space (`1 234,50 €`)."""
    if cents is None:
        return "Non renseigné"
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    grouped = f"{whole:,}".replace(",", " ")
    return f"{sign}{grouped},{rest:02d} €"


def day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "Non renseigné"


def month(year: int, month_number: int) -> str:
    return f"{month_number:02d}/{year}"


def moment(value: datetime) -> str:
    """A timestamp as people in metropolitan France read it."""
    local = value.astimezone(PARIS)
    return local.strftime("%d/%m/%Y à %H:%M")


def yes_no(value: bool | None) -> str:
    if value is None:
        return "Non renseigné"
    return "Oui" if value else "Non"


def add_months(start: date, months: int) -> date:
    """The same day `months` later, kept inside shorter months (31/01 + 1 -> 28/02)."""
    index = start.year * 12 + start.month - 1 + months
    year, month0 = divmod(index, 12)
    for day_number in (start.day, 30, 29, 28):
        try:
            return date(year, month0 + 1, day_number)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def months_between(start: date, end: date) -> int:
    """Calendar months from `start`'s month to `end`'s month (same month = 0)."""
    return (end.year - start.year) * 12 + end.month - start.month
