"""Delivery records: create, claim, send through a channel, record the outcome.

A :class:`~notifications.models.Delivery` row is unique per (notification,
channel). A run first inserts the missing rows (``queued``), then claims the
claimable ones in one ``UPDATE`` (``queued``, or ``failed`` and due), stamping
them with its own token; only rows carrying that token are sent. Two runs of
the same batch, or a retry racing the sweep, therefore never send twice.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from django.db.models import F
from django.utils import timezone

from notifications import signals
from notifications.conf import notifications_settings
from notifications.models import Delivery
from notifications.outbound.base import BaseChannel, Failed, Outcome, Sent, Skipped
from notifications.outbound.config import is_urgent
from notifications.outbound.escalation import hold
from notifications.outbound.preferences import users_with_channel
from notifications.outbound.quiet_hours import quiet_until

logger = logging.getLogger("notifications.outbound")

MAX_BACKOFF = 3600


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    seconds = notifications_settings.DELIVERY_RETRY_BACKOFF * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, MAX_BACKOFF))


def claim(
    channel: str, notification_ids: Collection[int], *, digest: bool = False
) -> list[Delivery]:
    """Create the missing records and claim the claimable ones; return those claimed.

    Three queries whatever the number of ids. The records come with
    ``notification``, its ``event``, the event's ``type`` and the ``user``.
    """
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                notification_id=pk,
                channel=channel,
                digest=digest,
                next_attempt_at=now,
                created=now,
                updated=now,
            )
            for pk in notification_ids
        ],
        ignore_conflicts=True,
    )
    token = uuid.uuid4()
    Delivery.objects.filter(
        notification_id__in=notification_ids,
        channel=channel,
        status__in=[Delivery.QUEUED, Delivery.FAILED],
        next_attempt_at__lte=now,
    ).update(
        status=Delivery.SENDING, claim=token, attempts=F("attempts") + 1, updated=now, error=""
    )
    return list(
        Delivery.objects.filter(claim=token)
        .select_related("notification__event__type", "notification__user")
        .order_by("notification_id")
    )


def skip_reasons(channel: str, records: list[Delivery]) -> dict[int, Skipped]:
    """Records that must not be sent: expired or read meanwhile, or the channel is off."""
    reasons: dict[int, Skipped] = {}
    by_type: dict[int, list[Delivery]] = defaultdict(list)
    now = timezone.now()
    for record in records:
        expires = record.notification.expires
        if expires is not None and expires <= now:
            reasons[record.pk] = Skipped("expired")
        elif record.notification.readed is not None:
            reasons[record.pk] = Skipped("read")
        else:
            by_type[record.notification.event.type_id].append(record)
    for group in by_type.values():
        event_type = group[0].notification.event.type
        wanted = users_with_channel(event_type, channel, {r.notification.user_id for r in group})
        for record in group:
            if record.notification.user_id not in wanted:
                reasons[record.pk] = Skipped("disabled")
    return reasons


def run(channel: BaseChannel, notification_ids: Collection[int]) -> list[Delivery]:
    """Deliver ``notification_ids`` on ``channel`` once each; return the records written."""
    return deliver(channel, claim(channel.name, notification_ids))


def deliver(channel: BaseChannel, records: list[Delivery]) -> list[Delivery]:
    """Send the claimed ``records`` on ``channel`` and record each outcome; return them.

    Records that must not go are skipped (:func:`skip_reasons`); those whose user
    is inside their quiet hours, of a type that is not ``urgent``, go back to
    ``scheduled`` until the window ends (:mod:`notifications.outbound.quiet_hours`).
    """
    if not records:
        return []
    outcomes: dict[int, Outcome] = dict(skip_reasons(channel.name, records))
    quiet = quiet_until(
        {r.notification.user_id for r in records if not is_urgent(r.notification.event.type.name)},
        timezone.now(),
    )
    held = [
        r
        for r in records
        if r.pk not in outcomes
        and r.notification.user_id in quiet
        and not is_urgent(r.notification.event.type.name)
    ]
    if held:
        hold(held, quiet)
        done = {r.pk for r in held}
        records = [r for r in records if r.pk not in done]
    to_send = [record for record in records if record.pk not in outcomes]
    if to_send:
        accepted = {r.notification_id: frozenset(r.accepted) for r in to_send if r.accepted}
        try:
            sent = channel.send([record.notification for record in to_send], accepted)
        except Exception as error:  # a broken backend: every record of the batch failed
            logger.warning(
                "%s delivery of %d notifications failed: %r", channel.name, len(to_send), error
            )
            sent = {record.notification_id: Failed(repr(error)) for record in to_send}
        for record in to_send:
            outcomes[record.pk] = sent.get(record.notification_id, Failed("no outcome returned"))
    finish(channel, records, outcomes)
    return records + held


def finish(channel: BaseChannel, records: Iterable[Delivery], outcomes: dict[int, Outcome]) -> None:
    """Write each record's outcome (one UPDATE per distinct outcome) and send the signals."""
    now = timezone.now()
    groups: dict[tuple[Any, ...], list[Delivery]] = defaultdict(list)
    max_attempts = notifications_settings.DELIVERY_MAX_ATTEMPTS
    for record in records:
        outcome = outcomes[record.pk]
        record.updated = now
        if isinstance(outcome, Sent):
            record.status, record.sent_at, record.next_attempt_at = Delivery.SENT, now, None
        elif isinstance(outcome, Skipped):
            record.status, record.reason, record.next_attempt_at = (
                Delivery.SKIPPED,
                outcome.reason[:255],
                None,
            )
        else:
            record.status, record.error = Delivery.FAILED, outcome.error
            record.accepted = sorted({*record.accepted, *outcome.accepted})
            retry = outcome.retry and record.attempts < max_attempts
            record.next_attempt_at = now + backoff(record.attempts) if retry else None
        key = (
            record.status,
            record.reason,
            record.error,
            record.next_attempt_at,
            record.sent_at,
            tuple(record.accepted),
        )
        groups[key].append(record)
    for (status, reason, error, next_at, sent_at, accepted), group in groups.items():
        Delivery.objects.filter(pk__in=[r.pk for r in group]).update(
            status=status,
            reason=reason,
            error=error,
            next_attempt_at=next_at,
            sent_at=sent_at,
            accepted=list(accepted),
            updated=now,
            claim=None,
        )
    sender = type(channel)
    for record in records:
        if record.status == Delivery.SENT:
            signals.delivery_sent.send_robust(sender, channel=channel.name, delivery=record)
        elif record.status == Delivery.SKIPPED:
            signals.delivery_skipped.send_robust(sender, channel=channel.name, delivery=record)
        else:
            signals.delivery_failed.send_robust(
                sender, channel=channel.name, delivery=record, final=record.next_attempt_at is None
            )
