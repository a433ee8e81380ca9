"""Time in one place, so that tests and the trail agree on what "now" is."""

from datetime import UTC, date, datetime, time, timedelta


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def end_of(day: date) -> datetime:
    """The exclusive end of `day` in UTC: the next midnight (the last instant for the last day
    the calendar has, 9999-12-31, whose next day does not exist)."""
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
