"""The one fan-out pipeline: an Event and its audience become rows, frames and channel work.

Every send takes the same steps, whichever mode it runs in:

1. write the Event (or, for a repeated idempotency ``key``, return the first one);
2. write the recipients' rows (:mod:`notifications.fanout.sql`, ``INSERT ... SELECT``);
3. count them on the Event, push their frames after commit and queue the
   channel work (email, Web Push) after commit: :func:`_publish`, shared by all modes.

The mode (:func:`choose_mode`) only says *when* step 2 runs:

- ``INLINE``: in the caller's transaction (:func:`fan_out`); a keyless send
  to one known user writes Event, row and count in one statement where the
  database allows (``sql.insert_event_for_one``);
- ``BACKGROUND``: after commit, one :func:`fan_out_chunk` task per
  ``FANOUT_BATCH_SIZE`` recipient ids;
- ``SCHEDULED``: the recipients are stored now (:class:`~notifications.models.ScheduledSend`,
  one ``INSERT ... SELECT`` per chunk, or "everyone") and one
  :func:`send_scheduled` task, carrying only the Event's id, fans out at ``send_at``.

Every write runs in :func:`notifications.writes.write_transaction` (one at a time
per process on SQLite). One error policy for every mode: a failure while writing
(step 1 or 2) reaches the caller (the send, or the task, whose transaction rolls
back; a chunk is idempotent, so a retried task is safe), and so does a failure to
queue the send's own fan-out, since nobody would get anything. Work after commit
(frames, channel work, the ``notifications_sent`` signal) never raises: its failures
are logged and the rows stay committed (clients catch up through the REST list).

An Event whose ``expires`` has passed when its fan-out runs (a scheduled send
that came due too late, a backlogged chunk) writes nothing, pushes nothing and
queues nothing.
"""

from __future__ import annotations

import datetime
import enum
import time

from django.contrib.auth import get_user_model
from django.db import IntegrityError, router, transaction
from django.db.models import F
from django.utils import timezone

from notifications import metrics, outbound, signals
from notifications.conf import notifications_settings
from notifications.fanout import inline
from notifications.fanout.audience import Audience, ColumnAudience, EveryoneAudience
from notifications.fanout.sql import (
    insert_event_for_one,
    insert_notifications_returning,
    insert_scheduled_recipients,
)
from notifications.frames import NewRow
from notifications.models import Event, ScheduledRecipient, ScheduledSend, Subscription
from notifications.realtime.publish import push_new
from notifications.tasks import as_task, require_scheduling, require_tasks
from notifications.validation import ValidSend
from notifications.writes import write_transaction


class Mode(enum.Enum):
    """When a send's rows are written."""

    INLINE = "inline"
    BACKGROUND = "background"
    SCHEDULED = "scheduled"


def choose_mode(send: ValidSend, audience: Audience, background: bool | None) -> Mode:
    """The mode of a send; raises NotificationsImproperlyConfigured before anything is written.

    A future ``send_at`` is ``SCHEDULED`` (it needs a backend that runs tasks
    later); ``background=True``, or None with an audience above
    ``ASYNC_FANOUT_THRESHOLD``, is ``BACKGROUND`` (it needs a Tasks API);
    anything else ``INLINE``.
    """
    if send.scheduled:
        require_scheduling(send_scheduled)
        return Mode.SCHEDULED
    if background is None:
        threshold = notifications_settings.ASYNC_FANOUT_THRESHOLD
        size = audience.size() if threshold is not None else None
        background = size is not None and size > threshold
    if background:
        require_tasks()
        return Mode.BACKGROUND
    return Mode.INLINE


def send(valid: ValidSend, audience: Audience, mode: Mode) -> Event:
    """Write the Event of ``valid`` and fan it out to ``audience`` in ``mode``; return it.

    The returned Event's ``created`` is False when ``valid.key`` matched an
    existing Event (returned as is, nothing sent).
    """
    started = time.perf_counter()
    with write_transaction():
        if mode is Mode.INLINE and (one := _single_send(valid, audience)) is not None:
            event, rows = one
            _publish(event, event.notifications_count, rows=rows, counted=True)
            metrics.fanned_out("inline", event.notifications_count, time.perf_counter() - started)
            _subscribe_author(valid)
            _announce(event)
            return event
        event = _create_event(valid)
        if not event.created:
            return event
        _subscribe_author(valid)
        if mode is Mode.SCHEDULED:
            assert valid.send_at is not None
            _schedule(event, audience, valid.send_at)
            return event
        if mode is Mode.BACKGROUND:
            transaction.on_commit(lambda: enqueue_chunks(event.pk, audience))
        else:
            fan_out(event, audience)
            metrics.fanned_out("inline", event.notifications_count, time.perf_counter() - started)
        _announce(event)
    return event


def _single_send(valid: ValidSend, audience: Audience) -> tuple[Event, list[NewRow]] | None:
    """A send now to one known user, without a key: Event, row and count in one statement.

    None when that does not apply (several users, a QuerySet, a key, an event
    already expired, a database or a grouped event :func:`insert_event_for_one`
    does not handle): :func:`send` then takes the general path.
    """
    expires = valid.fields.get("expires")
    if valid.key is not None or audience.known_size() != 1:
        return None
    if expires is not None and expires <= timezone.now():
        return None
    user_id = next(audience.id_chunks(1))[0]
    found = insert_event_for_one(valid.fields, user_id, router.db_for_write(Event))
    if found is not None:
        found[0].created = True
    return found


def _subscribe_author(valid: ValidSend) -> None:
    """``SUBSCRIBE_AUTHORS``: the author of a send about a target follows it (this transaction)."""
    fields = valid.fields
    author, target_type = fields.get("author"), fields.get("target_type")
    if author is None or target_type is None or not notifications_settings.SUBSCRIBE_AUTHORS:
        return
    Subscription.objects.upsert(author.pk, target_type.pk, fields["target_id"], subscribed=True)


def _create_event(valid: ValidSend) -> Event:
    fields = dict(valid.fields)
    if valid.send_at is not None:
        fields.update(send_at=valid.send_at, timestamp=valid.send_at)
    if valid.key is None:
        event = Event.objects.create(**fields)
        event.created = True
        return event
    kind = fields["type"]
    existing = Event.objects.filter(type=kind, key=valid.key).first()
    if existing is None:
        try:
            with transaction.atomic():
                event = Event.objects.create(key=valid.key, **fields)
        except IntegrityError:  # a concurrent call with the same key won the race
            existing = Event.objects.get(type=kind, key=valid.key)
        else:
            event.created = True
            return event
    existing.created = False
    return existing


def fan_out(event: Event, audience: Audience) -> int:
    """Write ``event``'s rows for ``audience`` in this transaction and publish them.

    Sets ``event.notifications_count`` (rows created, plus open rows a grouped
    event folded into) and returns how many this call wrote.
    """
    if _expired(event):
        return 0
    count, rows = inline.fan_out(event, audience)
    return _publish(event, count, rows=rows)


def fan_out_chunk(event_id: int, user_ids: list[int]) -> int:
    """Task: write and publish ``event_id``'s rows for ``user_ids``; return how many.

    Only the rows this run created are pushed: a retried chunk, or ids another
    chunk already covered, push nothing twice. An Event deleted meanwhile does nothing.
    """
    started = time.perf_counter()
    try:
        created = _fan_out_chunk(event_id, user_ids)
    except Exception:
        metrics.task_ran("fan_out_chunk", "failed")
        raise
    metrics.task_ran("fan_out_chunk", "done")
    metrics.fanned_out("task", created, time.perf_counter() - started)
    return created


def _fan_out_chunk(event_id: int, user_ids: list[int]) -> int:
    with write_transaction():
        event = Event.objects.select_related("type", "author").filter(pk=event_id).first()
        if event is None or _expired(event):
            return 0
        users = get_user_model()._default_manager.filter(pk__in=user_ids)
        rows = insert_notifications_returning(event, users)
        created_ids = [row.user_id for row in rows]
        return _publish(event, len(rows), rows=rows, user_ids=created_ids)


def enqueue_chunks(event_id: int, audience: Audience) -> None:
    """Queue one :func:`fan_out_chunk` task per ``FANOUT_BATCH_SIZE`` ids of ``audience``."""
    require_tasks()
    for user_ids in audience.id_chunks(notifications_settings.FANOUT_BATCH_SIZE):
        fan_out_chunk.enqueue(event_id, user_ids)  # type: ignore[attr-defined]


def _schedule(event: Event, audience: Audience, run_at: datetime.datetime) -> None:
    """Store ``audience`` as the recipient spec of ``event``; queue its run after commit."""
    spec = ScheduledSend.objects.create(event=event, everyone=audience.everyone)
    if not audience.everyone:
        for chunk in audience.chunks(notifications_settings.FANOUT_BATCH_SIZE):
            insert_scheduled_recipients(spec, chunk)
    # Not robust: if the send cannot be queued, the caller must know.
    task = send_scheduled.using(run_after=run_at)  # type: ignore[attr-defined]
    transaction.on_commit(lambda: task.enqueue(event.pk))


def send_scheduled(event_id: int) -> int:
    """Task: fan out the scheduled send of ``event_id`` now, to its stored recipients."""
    return run_scheduled(event_id)


def run_scheduled(event_id: int, audience: Audience | None = None) -> int:
    """Fan out a scheduled Event now, once; return how many rows it wrote.

    ``audience`` None reads the recipients stored at send time. Does nothing
    (returns 0) when the send was cancelled or has already run: claiming the
    Event (clearing ``send_at``) and the fan-out commit together. A send whose
    ``expires`` has passed by now is claimed and writes nothing.
    """
    with write_transaction():
        now = timezone.now()
        claimed = Event.objects.filter(pk=event_id, send_at__isnull=False).update(
            send_at=None, timestamp=now
        )
        if not claimed:
            return 0
        event = Event.objects.select_related("type", "author").get(pk=event_id)
        spec = ScheduledSend.objects.filter(event_id=event_id).first()
        if audience is None:
            audience = _stored_audience(spec)
        fan_out(event, audience)
        if spec is not None:
            ScheduledRecipient.objects.filter(send=spec).delete()
            spec.delete()
        _announce(event)
    return event.notifications_count


def _stored_audience(spec: ScheduledSend | None) -> Audience:
    if spec is not None and spec.everyone:
        return EveryoneAudience()
    recipients = ScheduledRecipient.objects.filter(send=spec)
    return ColumnAudience(recipients.values_list("user_id", flat=True), "user_id")


def _expired(event: Event) -> bool:
    return event.expires is not None and event.expires <= timezone.now()


def _publish(
    event: Event,
    count: int,
    *,
    rows: list[NewRow] | None,
    user_ids: list[int] | None = None,
    counted: bool = False,
) -> int:
    """Count ``count`` new rows on ``event``; after commit push them and queue channel work.

    ``user_ids`` limits both to those recipients (a chunk); None is every row of
    the event. ``counted``: the statement that wrote the rows also counted them.
    """
    if not count:
        return 0
    if not counted:
        count_them = F("notifications_count") + count
        Event.objects.filter(pk=event.pk).update(notifications_count=count_them)
        event.notifications_count += count
    push_new(event, created=count, user_ids=user_ids, rows=rows)
    if outbound.wants_tasks(event.type.name):  # email / Web Push: one enqueue, after commit
        event_id = event.pk
        transaction.on_commit(lambda: outbound.enqueue_for_event(event_id, user_ids), robust=True)
    return count


def _announce(event: Event) -> None:
    """Send ``notifications_sent`` after commit (robust: receivers' errors are logged)."""
    transaction.on_commit(
        lambda: signals.notifications_sent.send_robust(
            Event, event=event, count=event.notifications_count
        ),
        robust=True,
    )


# A worker imports a task by its function's dotted path, so the module attribute
# must be the Task itself (the plain function without a Tasks API).
fan_out_chunk = as_task(fan_out_chunk)
send_scheduled = as_task(send_scheduled)
