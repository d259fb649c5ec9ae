"""Quiet hours: a user's daily window, in their time zone, when channels wait.

A delivery on a channel (email, Web Push, SMS ...; never the inbox) whose user
is inside the window when it is about to go out is held: its record becomes
``scheduled`` again, with reason ``quiet hours``, due when the window ends; a
type declared ``urgent`` in ``settings.EVENTS`` goes out anyway. A window whose
start is after its end crosses midnight (22:00-07:00); equal start and end is
no window.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Collection
from typing import Any, TypedDict

__all__ = ["get_quiet_hours", "quiet_until", "set_quiet_hours", "time_zone_names", "window_end"]

from notifications.models import QuietHours, time_zone_names
from notifications.writes import write_transaction


class QuietHoursBody(TypedDict):
    """The ``quiet-hours`` endpoint's body."""

    enabled: bool
    time_zone: str
    start: str
    end: str


def window_end(
    now: datetime.datetime, zone: str, start: datetime.time, end: datetime.time
) -> datetime.datetime | None:
    """When the window around ``now`` (aware) ends, or None when ``now`` is outside it."""
    if start == end:
        return None
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # validated on the way in; a zone removed from the system disables it
    local = now.astimezone(tz)
    moment = local.time().replace(tzinfo=None)
    if start < end:
        inside, day = start <= moment < end, local.date()
    else:  # crosses midnight: 22:00-07:00
        inside = moment >= start or moment < end
        day = local.date() + datetime.timedelta(days=1) if moment >= start else local.date()
    if not inside:
        return None
    return datetime.datetime.combine(day, end, tzinfo=tz).astimezone(datetime.UTC)


def quiet_until(user_ids: Collection[int], now: datetime.datetime) -> dict[int, datetime.datetime]:
    """``{user_id: end of the window}`` for those of ``user_ids`` inside theirs at ``now``."""
    if not user_ids:
        return {}
    found = {}
    rows = QuietHours.objects.filter(user_id__in=user_ids, enabled=True).values_list(
        "user_id", "time_zone", "start", "end"
    )
    for user_id, zone, start, end in rows:
        until = window_end(now, zone, start, end)
        if until is not None:
            found[user_id] = until
    return found


def get_quiet_hours(user: Any) -> QuietHoursBody:
    """``user``'s quiet hours (disabled 22:00-07:00 in the project's zone when never set)."""
    from django.utils import timezone

    row = QuietHours.objects.filter(user_id=user.pk).first()
    if row is None:
        return {
            "enabled": False,
            "time_zone": timezone.get_default_timezone_name(),
            "start": "22:00",
            "end": "07:00",
        }
    return {
        "enabled": row.enabled,
        "time_zone": row.time_zone,
        "start": row.start.strftime("%H:%M"),
        "end": row.end.strftime("%H:%M"),
    }


def set_quiet_hours(user: Any, changes: dict[str, Any]) -> QuietHoursBody:
    """Apply ``changes`` (validated: enabled, time_zone, start, end) to ``user``'s quiet hours."""
    current = get_quiet_hours(user)
    values = {
        "enabled": changes.get("enabled", current["enabled"]),
        "time_zone": changes.get("time_zone", current["time_zone"]),
        "start": changes.get("start", datetime.time.fromisoformat(current["start"])),
        "end": changes.get("end", datetime.time.fromisoformat(current["end"])),
    }
    with write_transaction():
        QuietHours.objects.update_or_create(user_id=user.pk, defaults=values)
    return get_quiet_hours(user)
