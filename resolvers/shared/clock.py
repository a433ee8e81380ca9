"""Time in one place, so that tests and the trail agree on what "now" is.

`set_now` stops the clock at a given instant (tests replay histories at chosen instants through
the real endpoint; None restarts it). Every module reads the time through `now`, so one call
moves requests, sessions and the audit trail together.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
_stopped_at: datetime | None = None


def now() -> datetime:
    return _stopped_at if _stopped_at is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    global _stopped_at
    if moment is not None and moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    _stopped_at = None if moment is None else moment.astimezone(UTC)


def today() -> date:
    return now().date()


def end_of(day: date) -> datetime:
    """The exclusive end of `day` in UTC: the next midnight (the last instant for the last day
    the calendar has, 9999-12-31, whose next day does not exist)."""
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def start_of(day: date) -> datetime:
    """Midnight UTC opening `day` (the days of accounts' opening and closing dates)."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def paris_start_of(day: date) -> datetime:
    """Midnight in Europe/Paris opening `day`, in UTC: what an auditor's bare date means."""
    return datetime.combine(day, time.min, tzinfo=PARIS).astimezone(UTC)
