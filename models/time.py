"""Time helpers. Everything is stored as naive UTC so SQLite and PostgreSQL agree."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as a naive UTC datetime: the form every stored time has."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso_utc(
    value: datetime | None, *, timespec: str = "seconds", offset: bool = False
) -> str | None:
    """ISO 8601 (RFC 3339) text of a time, in UTC: the one machine-readable date format.

    `value` is naive UTC (as stored) or aware (converted to UTC). `timespec` is
    datetime.isoformat's: "seconds" gives "2024-06-19T12:05:00Z", "minutes" gives
    "2024-06-19T12:05Z". With `offset`, the zone is written "+00:00" instead of "Z"
    ("2024-06-19T12:05:00+00:00", what schema.org examples show). None gives None;
    an unknown `timespec` raises ValueError.
    """
    if value is None:
        return None
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    text = value.isoformat(timespec=timespec)
    return text if offset else text.removesuffix("+00:00") + "Z"
