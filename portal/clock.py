"""Time in the portal: stored as UTC, shown and entered in the province's time (Viet Nam, UTC+7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

PROVINCE_TZ = timezone(timedelta(hours=7), "ICT")  # Viet Nam, no daylight saving


def today() -> date:
    """The date in the province (staff enter dates as they see them)."""
    return datetime.now(PROVINCE_TZ).date()


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone columns; they were written as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def local_time(value: datetime | None) -> datetime | None:
    value = aware(value)
    return value.astimezone(PROVINCE_TZ) if value else None


def utcnow() -> datetime:
    return datetime.now(UTC)
