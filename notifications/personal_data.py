"""A user's data, on request: everything the package holds about a user, exported or erased.

:func:`export_user_data` answers a subject access request (GDPR article 15) with
one JSON-serialisable dict; :func:`erase_user_data` erases (article 17) what the
package holds about the user and closes their open sockets. The management
commands ``export_notifications_data`` and ``erase_notifications_data`` wrap them.

What the package holds about a user: their notifications (with their read, seen
and archived states), the channel deliveries of those notifications, their filter
(the types they turned off), their channel preferences, their Web Push
subscriptions (one per browser or device), their digest bookkeeping, the events
they authored, and their name in the ``authors`` of other users' grouped rows.
The user account itself is the project's: neither function touches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from django.db import connections, router
from django.utils import timezone

from notifications.models import (
    ChannelPreference,
    Delivery,
    Device,
    DigestState,
    Event,
    ExcludedEventType,
    Notification,
    PushSubscription,
    QuietHours,
    Subscription,
)
from notifications.payloads import author_name, format_datetime, payload_for, target_payload
from notifications.realtime.messages import Revoke
from notifications.realtime.publish import publish
from notifications.writes import write_transaction

#: Rows read per query while exporting or scrubbing (memory stays flat).
BATCH = 2000


def export_user_data(user: Any) -> dict[str, Any]:
    """Everything the package holds about ``user``, as a JSON-serialisable dict.

    Keys: ``user`` (id and name), ``exported_at``, ``notifications`` (the REST
    JSON of each, plus ``delivered`` and ``expires``; expired and archived ones
    included), ``deliveries`` (per notification and channel: status, attempts,
    times), ``filter`` (``excluded_event_types``), ``preferences`` (per type and
    channel), ``push_subscriptions`` (the devices: endpoint and creation time;
    the keys are secrets of the browser and left out), ``devices`` (FCM:
    platform and creation time; the token is a credential and left out),
    ``digests`` (when each type was last digested), ``quiet_hours`` (none or one)
    and ``authored_events`` (events whose author is ``user``). Read in batches;
    lists are ordered oldest first.
    """
    mine = Notification.objects.filter(user_id=user.pk)
    notifications = []
    for row in _batches(mine.select_related("event__type", "event__author")):
        entry: dict[str, Any] = dict(payload_for(row))
        entry["delivered"] = format_datetime(row.delivered)
        entry["expires"] = format_datetime(row.expires)
        entry["snoozed_until"] = format_datetime(row.snoozed_until)
        notifications.append(entry)
    deliveries = [
        {
            "notification": delivery.notification_id,
            "channel": delivery.channel,
            "status": delivery.status,
            "reason": delivery.reason,
            "attempts": delivery.attempts,
            "digest": delivery.digest,
            "created": format_datetime(delivery.created),
            "updated": format_datetime(delivery.updated),
            "sent_at": format_datetime(delivery.sent_at),
        }
        for delivery in _batches(Delivery.objects.filter(notification__user_id=user.pk))
    ]
    excluded = ExcludedEventType.objects.filter(user_id=user.pk).select_related("event_type")
    preferences = ChannelPreference.objects.filter(user_id=user.pk).select_related("event_type")
    digests = DigestState.objects.filter(user_id=user.pk).select_related("event_type")
    authored = Event.objects.filter(author_id=user.pk).select_related("type")
    return {
        "user": {"id": user.pk, "name": author_name(user)},
        "exported_at": format_datetime(timezone.now()),
        "notifications": notifications,
        "deliveries": deliveries,
        "filter": {
            "excluded_event_types": sorted(row.event_type.name for row in excluded),
        },
        "preferences": [
            {"event_type": row.event_type.name, "channel": row.channel, "enabled": row.enabled}
            for row in preferences.order_by("event_type__name", "channel")
        ],
        "push_subscriptions": [
            {"endpoint": row.endpoint, "created": format_datetime(row.created)}
            for row in PushSubscription.objects.filter(user_id=user.pk).order_by("pk")
        ],
        "devices": [
            {"platform": row.platform, "created": format_datetime(row.created)}
            for row in Device.objects.filter(user_id=user.pk).order_by("pk")
        ],
        "digests": [
            {"event_type": row.event_type.name, "last_sent_at": format_datetime(row.last_sent_at)}
            for row in digests.order_by("event_type__name")
        ],
        "subscriptions": [
            {
                "target": target_payload(row.target_type_id, row.target_id),
                "subscribed": row.subscribed,
                "created": format_datetime(row.created),
                "muted_at": format_datetime(row.muted_at),
                "muted_until": format_datetime(row.muted_until),
            }
            for row in _batches(Subscription.objects.filter(user_id=user.pk))
        ],
        "quiet_hours": [
            {
                "enabled": row.enabled,
                "time_zone": row.time_zone,
                "start": row.start.strftime("%H:%M"),
                "end": row.end.strftime("%H:%M"),
            }
            for row in QuietHours.objects.filter(user_id=user.pk)
        ],
        "authored_events": [
            {
                "id": event.pk,
                "type": event.type.name,
                "timestamp": format_datetime(event.timestamp),
                "title": event.title,
                "message": event.message,
                "data": event.data,
                "notifications_count": event.notifications_count,
            }
            for event in _batches(authored)
        ],
    }


class Erased(NamedTuple):
    """What :func:`erase_user_data` removed or changed, by kind."""

    notifications: int
    deliveries: int
    excluded_event_types: int
    preferences: int
    push_subscriptions: int
    digests: int
    authored_events: int
    authors_scrubbed: int
    quiet_hours: int = 0
    devices: int = 0
    subscriptions: int = 0


def erase_user_data(user: Any) -> Erased:
    """Erase what the package holds about ``user``; close their sockets; return the counts.

    In one transaction: deletes their notifications (and so their deliveries),
    filter, channel preferences, Web Push subscriptions, FCM devices, quiet hours,
    digest bookkeeping and the objects they follow or muted;
    the events they authored stay for their recipients but lose their author
    (``author`` becomes null), and their entry leaves the ``authors`` of other
    users' grouped rows. After commit every open socket of ``user`` is closed
    (4401), on every worker. The text of events (``title``, ``message``, ``data``)
    is the project's to write and is kept as is. The user account is untouched.
    """
    with write_transaction():
        mine = Notification.objects.filter(user_id=user.pk)
        deliveries = Delivery.objects.filter(notification__user_id=user.pk).count()
        erased = Erased(
            deliveries=deliveries,
            notifications=mine.delete()[1].get(Notification._meta.label, 0),
            excluded_event_types=ExcludedEventType.objects.filter(user_id=user.pk).delete()[0],
            preferences=ChannelPreference.objects.filter(user_id=user.pk).delete()[0],
            push_subscriptions=PushSubscription.objects.filter(user_id=user.pk).delete()[0],
            digests=DigestState.objects.filter(user_id=user.pk).delete()[0],
            authored_events=Event.objects.filter(author_id=user.pk).update(author=None),
            authors_scrubbed=_scrub_authors(user.pk),
            quiet_hours=QuietHours.objects.filter(user_id=user.pk).delete()[0],
            devices=Device.objects.filter(user_id=user.pk).delete()[0],
            subscriptions=Subscription.objects.filter(user_id=user.pk).delete()[0],
        )
        user_id = user.pk
        publish(lambda: [Revoke(user_id=user_id)])
    return erased


def _scrub_authors(user_id: int) -> int:
    """Remove ``user_id`` from the ``authors`` of grouped rows; return how many rows changed."""
    rows = Notification.objects.filter(authors__isnull=False)
    connection = connections[router.db_for_write(Notification)]
    if connection.features.supports_json_field_contains:
        rows = rows.filter(authors__contains=[{"id": user_id}])
    changed = 0
    for pk, authors in _batches(rows.values_list("pk", "authors")):
        if not isinstance(authors, list):
            continue
        kept = [a for a in authors if not (isinstance(a, dict) and a.get("id") == user_id)]
        if len(kept) != len(authors):
            changed += Notification.objects.filter(pk=pk).update(authors=kept)
    return changed


def _batches(rows: Any) -> Iterator[Any]:
    """The rows of ``rows`` oldest first, ``BATCH`` per query (keyset on the primary key)."""
    last = None
    while True:
        window = rows.order_by("pk")
        if last is not None:
            window = window.filter(pk__gt=last)
        page = list(window[:BATCH])
        if not page:
            return
        yield from page
        item = page[-1]
        last = item[0] if isinstance(item, tuple) else item.pk
