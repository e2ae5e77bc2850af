"""Time zones through zoneinfo: system zone data, else the tzdata package."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from . import fallback

WINTER = dt.datetime(2024, 1, 15, 12, tzinfo=dt.UTC)
SUMMER = dt.datetime(2024, 7, 15, 12, tzinfo=dt.UTC)


def _offset(zone: zoneinfo.ZoneInfo, instant: dt.datetime) -> int:
    return int(instant.astimezone(zone).utcoffset().total_seconds())


@fallback("tz.utc")
def utc() -> tuple[object, str]:
    try:
        zone = zoneinfo.ZoneInfo("UTC")
    except zoneinfo.ZoneInfoNotFoundError:
        return "ZoneInfoNotFoundError", "zoneinfo found no data for UTC"
    offset = _offset(zone, SUMMER)
    return offset, f"ZoneInfo('UTC'): offset {offset} s"


@fallback("tz.europe_berlin")
def europe_berlin() -> tuple[object, str]:
    try:
        zone = zoneinfo.ZoneInfo("Europe/Berlin")
    except zoneinfo.ZoneInfoNotFoundError:
        return "ZoneInfoNotFoundError", "zoneinfo found no data for Europe/Berlin"
    winter, summer = _offset(zone, WINTER), _offset(zone, SUMMER)
    value = "resolved" if (winter, summer) == (3600, 7200) else "unresolved"
    return value, f"ZoneInfo('Europe/Berlin'): offsets {winter} s / {summer} s"
