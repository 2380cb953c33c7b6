"""Time: stored in UTC, shown in Europe/Tallinn."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from eits_tracker.errors import ValidationError

TALLINN = ZoneInfo("Europe/Tallinn")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC (that is how the database stores them)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local(value: datetime, tz: str = "Europe/Tallinn") -> datetime:
    return as_utc(value).astimezone(ZoneInfo(tz))


def show(value: datetime | None, tz: str = "Europe/Tallinn") -> str:
    if value is None:
        return ""
    return local(value, tz).strftime("%Y-%m-%d %H:%M")


def parse_date(text: str, *, field: str) -> date:
    """``field`` is the input's name (``due_date``); the message shows it as the option (``due-date``)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            f"{field.replace('_', '-')}: {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-31.",
            field=field,
        ) from None


def parse_local_datetime(text: str | datetime | date, *, field: str, tz: str = "Europe/Tallinn") -> datetime:
    """'2026-11-27 10:00' (Tallinn time unless an offset is given) → an aware UTC datetime."""
    if isinstance(text, datetime):
        value = text
    elif isinstance(text, date):
        value = datetime(text.year, text.month, text.day)
    else:
        raw = text.strip().replace("T", " ", 1)
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise ValidationError(
                f"{field.replace('_', '-')}: {text!r} is not a date and time; write it as YYYY-MM-DD HH:MM "
                "(Tallinn time), e.g. 2026-11-27 14:30.",
                field=field,
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)
