"""Time in one place, so that tests and the trail agree on what "now" is."""

from datetime import UTC, date, datetime


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()
