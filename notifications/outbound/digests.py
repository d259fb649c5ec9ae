"""Email digests: what is still unread after N minutes, at most one email every M hours.

A type opts in with ``"channels": {"email": {"digest": {"after_minutes": N,
"every_hours": M}}}``. :func:`due_user_batches` pages through the users with
due notifications (keyset on the user id); :func:`send_batch` sends one email
per user of a batch, covering every due type, in a number of queries that does
not depend on the batch size. Notifications read meanwhile are left out; a
user's email choice per type is honoured (``skipped``/``disabled``); a user inside
their quiet hours gets the digest at the first run after the window.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from notifications.models import Delivery, DigestState, EventType, Notification
from notifications.outbound.base import Outcome
from notifications.outbound.config import EMAIL, Digest
from notifications.outbound.deliveries import claim, finish, skip_reasons
from notifications.outbound.preferences import offered_channels
from notifications.outbound.quiet_hours import quiet_until
from notifications.outbound.registry import get_channel


def digest_types() -> list[tuple[EventType, Digest]]:
    """The sendable types whose email goes out in digests, with their timing."""
    found = []
    for event_type in EventType.objects.sendable():
        option = offered_channels(event_type.name).get(EMAIL)
        if option is not None and option.digest is not None:
            found.append((event_type, option.digest))
    return found


def due_notifications(now: datetime.datetime, types: list[tuple[EventType, Digest]]) -> QuerySet:
    """Unread notifications of ``types`` old enough, not emailed, outside their user's window."""
    if not types:
        return Notification.objects.none()
    clause = Q()
    for event_type, digest in types:
        recent = DigestState.objects.filter(
            user_id=OuterRef("user_id"),
            event_type=event_type,
            last_sent_at__gt=now - datetime.timedelta(hours=digest.every_hours),
        )
        clause |= Q(
            ~Exists(recent),
            event__type=event_type,
            event__timestamp__lte=now - datetime.timedelta(minutes=digest.after_minutes),
        )
    # A record that is not a due retry means it was handled (sent, skipped, final failure).
    handled = Delivery.objects.filter(notification_id=OuterRef("pk"), channel=EMAIL).exclude(
        status=Delivery.FAILED, next_attempt_at__lte=now
    )
    rows: QuerySet = Notification.objects.current(now).filter(readed__isnull=True).filter(clause)
    return rows.exclude(Exists(handled))


def due_user_batches(now: datetime.datetime, size: int) -> Iterator[list[int]]:
    """The ids of users with a digest due, ``size`` at a time, in id order (one query each)."""
    users = (
        due_notifications(now, digest_types())
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    last: Any = None
    while True:
        page = users if last is None else users.filter(user_id__gt=last)
        ids = list(page[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def send_batch(user_ids: list[int]) -> int:
    """Email each of ``user_ids`` their due digest; return how many emails were sent.

    Users inside their quiet hours are left for a later run (the digest stays due).
    """
    now = timezone.now()
    quiet = quiet_until(user_ids, now)
    user_ids = [user_id for user_id in user_ids if user_id not in quiet]
    if not user_ids:
        return 0
    types = digest_types()
    due = list(
        due_notifications(now, types).filter(user_id__in=user_ids).values_list("pk", flat=True)
    )
    records = claim(EMAIL, due, digest=True)
    if not records:
        return 0
    outcomes: dict[int, Outcome] = dict(skip_reasons(EMAIL, records))
    by_user: dict[Any, list[Delivery]] = defaultdict(list)
    for record in records:
        if record.pk not in outcomes:
            by_user[record.notification.user_id].append(record)
    channel = get_channel(EMAIL)
    digests = {
        user_id: sorted((r.notification for r in group), key=lambda n: -n.pk)
        for user_id, group in by_user.items()
    }
    for user_id, outcome in channel.send_digests(digests).items():
        outcomes.update((record.pk, outcome) for record in by_user[user_id])
    finish(channel, records, outcomes)
    sent = [r for r in records if r.status == Delivery.SENT]
    DigestState.objects.bulk_create(
        [
            DigestState(user_id=user_id, event_type_id=type_id, last_sent_at=now)
            for user_id, type_id in {
                (r.notification.user_id, r.notification.event.type_id) for r in sent
            }
        ],
        update_conflicts=True,
        unique_fields=["user", "event_type"],
        update_fields=["last_sent_at"],
    )
    return len({r.notification.user_id for r in sent})
