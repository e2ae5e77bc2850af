"""Time zones and clocks through zoneinfo (system zone data, else tzdata) and time."""

from __future__ import annotations

import datetime as dt
import os
import time
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


#: 2024-07-15T12:00:00Z as a POSIX timestamp, the instant the native probe uses.
SUMMER_TIMESTAMP = int(SUMMER.timestamp())


@fallback("tz.posix_tz_string")
def posix_tz_string() -> tuple[object, str]:
    if not hasattr(time, "tzset"):
        return "no time.tzset", "the time module has no tzset on this platform"
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "PMT3"
    try:
        time.tzset()
        local = time.localtime(SUMMER_TIMESTAMP)
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
    return local.tm_gmtoff, f"TZ=PMT3: offset {local.tm_gmtoff} s, '{local.tm_zone}'"


@fallback("tz.zone_database")
def zone_database() -> tuple[object, str]:
    zones = zoneinfo.available_timezones()
    if not zones:
        return "absent", "zoneinfo.available_timezones() is empty"
    return "present", f"zoneinfo.available_timezones() lists {len(zones)} zones"


@fallback("tz.monotonic_resolution")
def monotonic_resolution() -> tuple[object, str]:
    info = time.get_clock_info("monotonic")
    ns = round(info.resolution * 1e9)
    return ns, f"{info.implementation}: resolution {info.resolution:g} s"
