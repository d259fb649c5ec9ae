"""Channel work on the task queue (Django's Tasks API). Task arguments are ids only.

``send_notification`` queues one :func:`plan_event` after commit (background
fan-outs queue one per chunk); it queues one :func:`deliver_batch` per
``CHANNEL_BATCH_SIZE`` notifications and channel, so the sender's request pays
one enqueue, never a per-recipient cost. A type's delayed escalation steps are
written ``scheduled`` by the same plan (:mod:`notifications.outbound.escalation`)
and run by :func:`run_due_steps`, queued for when they fall due where the task
backend can defer, else by :func:`run_periodic` (the ``run_channels`` command,
from cron), which also retries what is due, sends digests and brings snoozed
notifications back.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.utils import timezone

from notifications.conf import notifications_settings
from notifications.models import Delivery, Event, Notification
from notifications.outbound import deliveries, digests, escalation
from notifications.outbound.config import Step
from notifications.outbound.config import escalation as escalation_steps
from notifications.outbound.preferences import offered_channels
from notifications.outbound.registry import available_channels, get_channel
from notifications.tasks import as_task, require_tasks


def immediate_channels(type_name: str) -> list[str]:
    """The channels ``type_name`` sends on at once, from the task queue.

    Digests and delayed escalation steps wait.
    """
    here = available_channels()
    later = {step.channel for step in escalation_steps(type_name) if step.after}
    return [
        name
        for name, option in offered_channels(type_name).items()
        if name in here and option.digest is None and name not in later
    ]


def delayed_steps(type_name: str) -> list[Step]:
    """The escalation steps of ``type_name`` that wait, on channels available here."""
    here = available_channels()
    offered = offered_channels(type_name)
    return [
        step
        for step in escalation_steps(type_name)
        if step.after and step.channel in here and step.channel in offered
    ]


def plan_event(event_id: int, user_ids: list[int] | None = None) -> int:
    """Queue one :func:`deliver_batch` per batch of the event's notifications and channel.

    ``user_ids`` limits it to those recipients (a background fan-out chunk).
    Returns how many batches were queued.
    """
    event = Event.objects.select_related("type").filter(pk=event_id).first()
    if event is None:
        return 0
    steps = delayed_steps(event.type.name)
    if steps:
        escalation.schedule(event_id, steps, user_ids)
        for step in steps:
            _run_steps_at(step.channel, timezone.now() + step.after)
    channels = immediate_channels(event.type.name)
    if not channels:
        return 0
    rows = Notification.objects.filter(event_id=event_id).live()  # never an expired one
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    queued = 0
    ids = rows.order_by("pk").values_list("pk", flat=True)
    for batch in _batches(ids.iterator(), notifications_settings.CHANNEL_BATCH_SIZE):
        for channel in channels:
            deliver_batch.enqueue(channel, batch)  # type: ignore[attr-defined]
            queued += 1
    return queued


def deliver_batch(channel: str, notification_ids: list[int]) -> int:
    """Deliver a batch on one channel, once per notification; return how many were sent."""
    records = deliveries.run(get_channel(channel), notification_ids)
    _schedule_retries(channel, records)
    _schedule_holds(channel, records)
    return sum(1 for record in records if record.status == Delivery.SENT)


def run_due_steps(channel: str) -> int:
    """Run the due ``scheduled`` rows of ``channel`` (escalation steps, quiet-hours holds).

    Claims ``CHANNEL_BATCH_SIZE`` at a time until none is due; returns how many were sent.
    """
    sent = 0
    target = get_channel(channel)
    size = notifications_settings.CHANNEL_BATCH_SIZE
    while records := escalation.claim_due(channel, size):
        done = deliveries.deliver(target, records)
        _schedule_retries(channel, done)
        _schedule_holds(channel, done)
        sent += sum(1 for record in done if record.status == Delivery.SENT)
    return sent


def send_digest_batch(user_ids: list[int]) -> int:
    """Email each of ``user_ids`` the digest that is due; return how many emails were sent."""
    return digests.send_batch(user_ids)


def run_periodic() -> dict[str, int]:
    """Queue the retries that are due and the digest batches; run it every minute or so."""
    now = timezone.now()
    retries = 0
    due = Delivery.objects.filter(
        status=Delivery.FAILED, digest=False, next_attempt_at__lte=now
    ).order_by("channel", "notification_id")
    size = notifications_settings.CHANNEL_BATCH_SIZE
    for channel in available_channels():
        ids = due.filter(channel=channel).values_list("notification_id", flat=True)
        for batch in _batches(ids.iterator(), size):
            deliver_batch.enqueue(channel, batch)  # type: ignore[attr-defined]
            retries += 1
    batches = 0
    for users in digests.due_user_batches(now, notifications_settings.DIGEST_BATCH_SIZE):
        send_digest_batch.enqueue(users)  # type: ignore[attr-defined]
        batches += 1
    return {"retry_batches": retries, "digest_batches": batches}


def queue_due_steps() -> int:
    """Queue one :func:`run_due_steps` per channel with due ``scheduled`` rows; return how many.

    The sweep for task backends that cannot defer (``run_channels`` calls it).
    """
    queued = 0
    scheduled = Delivery.objects.filter(
        status=Delivery.SCHEDULED, next_attempt_at__lte=timezone.now()
    )
    for channel in available_channels():
        if scheduled.filter(channel=channel).exists():
            run_due_steps.enqueue(channel)  # type: ignore[attr-defined]
            queued += 1
    return queued


def _schedule_retries(channel: str, records: list[Delivery]) -> None:
    # Backends that can defer (django-tasks-db) get a task at the earliest retry;
    # elsewhere the run_channels sweep picks the rows up when they are due.
    retry = [r for r in records if r.status == Delivery.FAILED and r.next_attempt_at]
    if not retry:
        return
    if not deliver_batch.get_backend().supports_defer:  # type: ignore[attr-defined]
        return
    when = min(r.next_attempt_at for r in retry)  # type: ignore[type-var]
    task = deliver_batch.using(run_after=when)  # type: ignore[attr-defined]
    task.enqueue(channel, [r.notification_id for r in retry])


def _schedule_holds(channel: str, records: list[Delivery]) -> None:
    # Deliveries held by quiet hours run again when the earliest window ends.
    held = [r.next_attempt_at for r in records if r.status == Delivery.SCHEDULED]
    if held:
        _run_steps_at(channel, min(held))  # type: ignore[type-var]


def _run_steps_at(channel: str, when: Any) -> None:
    # Where the backend cannot defer, the run_channels sweep runs them when due.
    if run_due_steps.get_backend().supports_defer:  # type: ignore[attr-defined]
        run_due_steps.using(run_after=when).enqueue(channel)  # type: ignore[attr-defined]


def _batches(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    while batch := list(islice(ids, size)):
        yield batch


# The worker imports each task by its dotted path, so the module attributes are the Tasks.
plan_event = as_task(plan_event)
deliver_batch = as_task(deliver_batch)
send_digest_batch = as_task(send_digest_batch)
run_due_steps = as_task(run_due_steps)


def enqueue_for_event(event_id: int, user_ids: list[int] | None = None) -> None:
    """Queue :func:`plan_event` (call it after commit)."""
    require_tasks()
    plan_event.enqueue(event_id, user_ids)  # type: ignore[attr-defined]
