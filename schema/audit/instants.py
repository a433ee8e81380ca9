"""When an auditor asks: an instant (`at`), an interval (`between`), or a day (`asOf`, kept).

`Instant` accepts an ISO 8601 date-time with its offset, or a bare date meaning the START of that
day in Europe/Paris (what an auditor means by "on the 29th"). A date-time without an offset is
refused rather than guessed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NewType

import strawberry

from resolvers.audit.intervals import Interval, Period
from resolvers.shared.clock import paris_start_of
from resolvers.shared.errors import invalid
from schema.read_rules import AUDITOR, readable_by

INSTANT_HELP = (
    "Un instant : date-heure ISO 8601 avec son décalage (2026-11-29T14:30:00+01:00), ou une date "
    "seule, qui désigne le DÉBUT de ce jour à Paris (Europe/Paris)."
)
EARLIEST = datetime.min.replace(tzinfo=UTC)


def parse_instant(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("Un instant s'écrit comme une chaîne ISO 8601.")
    if len(value) == 10:
        day = date.fromisoformat(value)
        try:
            return paris_start_of(day)
        except OverflowError:  # 0001-01-01 at Paris midnight lies before the calendar's start
            return EARLIEST
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("Précisez le décalage horaire (ex. +01:00) ou donnez une date seule.")
    return moment.astimezone(UTC)


Instant = NewType("Instant", datetime)
# Given to the schema's config (`scalar_map`): how an Instant reads and writes.
INSTANT_SCALAR = strawberry.scalar(
    name="Instant",
    description=INSTANT_HELP,
    serialize=lambda v: v.isoformat(),
    parse_value=parse_instant,
)


@strawberry.input(description="Un intervalle [from, to], bornes incluses.")
class AccessInterval:
    from_: Instant = strawberry.field(name="from", description="Début (inclus).")
    to: Instant = strawberry.field(description="Fin (incluse).")

    def to_interval(self) -> Interval:
        start, end = self.from_, self.to
        if end < start:
            raise invalid("between", "La fin de l'intervalle précède son début.")
        return Interval(start, end)


@readable_by(AUDITOR)
@strawberry.type(description="Une période pendant laquelle l'accès était ouvert.")
class AccessPeriod:
    from_: datetime = strawberry.field(name="from", description="Début (inclus).")
    to: datetime | None = strawberry.field(
        description="Fin (exclue) ; vide : l'accès était encore ouvert à la fin de l'intervalle."
    )

    @classmethod
    def build(cls, period: Period) -> AccessPeriod:
        return cls(from_=period.start, to=period.end)


AS_OF_HELP = (
    "Ancien paramètre, conservé : l'état à la FIN de ce jour (UTC). Préférer `at` (un instant) "
    "ou `between`."
)
AT_HELP = "L'état à cet instant. " + INSTANT_HELP
BETWEEN_HELP = (
    "Qui avait accès à un moment quelconque de l'intervalle, avec les périodes exactes, "
    "reconstruites depuis les périodes de validité du journal (sans échantillonnage)."
)


def one_moment(as_of: date | None, at: datetime | None, between: AccessInterval | None):
    """The question's time: None (now), a day, an instant or an Interval — at most one given."""
    given = [v for v in (as_of, at, between) if v is not None]
    if len(given) > 1:
        raise invalid("at", "Donnez au plus un de asOf, at et between.")
    if between is not None:
        return between.to_interval()
    return at if at is not None else as_of
