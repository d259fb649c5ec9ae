"""Escalation steps: channels that go later, only while the notification is unread or unseen.

A step is a :class:`~notifications.models.Delivery` row written ``scheduled``
(``next_attempt_at`` is when it is due, ``condition`` what must still hold) by
:func:`schedule`, one ``INSERT ... SELECT`` per step from the event's
notification rows. Three things can happen to it:

- the user reads, sees or archives the notification: :func:`cancel` turns it
  ``cancelled`` (reason ``read``, ``seen``, ``archived``, ``snoozed``) in the
  same transaction as that change;
- it falls due: :func:`claim_due` locks the notification rows (PostgreSQL:
  ``SELECT ... FOR UPDATE SKIP LOCKED``; SQLite: the database's write lock,
  taken by the claim's first statement), checks the condition against the
  committed state, cancels what no longer holds and claims the rest
  (``sending``), all in one transaction. A read is serialised with it: one that
  commits first is seen (nothing is sent); one that commits later finds the step
  already claimed, i.e. handed to the channel before the read;
- quiet hours hold it again (:mod:`notifications.outbound.deliveries`).

Deliveries held by quiet hours are ``scheduled`` rows too (no condition, reason
``quiet hours``); the same claim runs them.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Collection, Mapping
from typing import Any

from django.db import connections, router
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from notifications.models import Delivery, Notification
from notifications.outbound.config import Step, used_channels
from notifications.writes import write_transaction

#: Why a pending step was cancelled, by what happened to its notification.
READ, SEEN, ARCHIVED, SNOOZED = "read", "seen", "archived", "snoozed"


def schedule(event_id: int, steps: list[Step], user_ids: Collection[int] | None = None) -> int:
    """Write the delayed ``steps`` of the event's live notifications as ``scheduled`` rows.

    One ``INSERT ... SELECT`` per step (of ``user_ids`` only, for a background
    chunk); a row that exists already is left alone (a retried plan). Returns
    how many rows were written.
    """
    now = timezone.now()
    written = 0
    using = router.db_for_write(Delivery)
    connection = connections[using]
    quote = connection.ops.quote_name
    d_opts, n_opts = Delivery._meta, Notification._meta

    def column(opts: Any, name: str) -> str:
        return quote(opts.get_field(name).column)

    prep = n_opts.get_field("expires")
    at_now = prep.get_db_prep_value(now, connection)
    for step in steps:
        if not step.after:
            continue
        due = prep.get_db_prep_value(now + step.after, connection)
        insert = ", ".join(
            column(d_opts, name)
            for name in (
                "notification",
                "channel",
                "status",
                "condition",
                "reason",
                "error",
                "attempts",
                "digest",
                "next_attempt_at",
                "accepted",
                "created",
                "updated",
            )
        )
        users = ""
        params: list[Any] = [step.channel, Delivery.SCHEDULED, step.condition, due, at_now, at_now]
        params += [event_id, at_now]
        if user_ids is not None:
            ids = list(user_ids)
            if not ids:
                continue
            users = f" AND {column(n_opts, 'user')} IN ({', '.join(['%s'] * len(ids))})"
            params += ids
        sql = (
            f"INSERT INTO {quote(d_opts.db_table)} ({insert}) "
            f"SELECT {column(n_opts, 'id')}, %s, %s, %s, '', '', 0, FALSE, %s, '[]', %s, %s "
            f"FROM {quote(n_opts.db_table)} "
            f"WHERE {column(n_opts, 'event')} = %s "
            f"AND {column(n_opts, 'archived')} IS NULL "
            f"AND {column(n_opts, 'snoozed_until')} IS NULL "
            f"AND ({column(n_opts, 'expires')} IS NULL OR {column(n_opts, 'expires')} > %s)"
            f"{users} "
            f"ON CONFLICT DO NOTHING"
        )
        # One statement, atomic on its own; no write_transaction(): the plan may run in
        # the on-commit work of the send, which still holds this process's turn on SQLite.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written += max(cursor.rowcount, 0)
    return written


def cancel(rows: QuerySet[Notification]) -> int:
    """Cancel the pending steps that ``rows``' current state ends; call it in their transaction.

    Archived or snoozed rows end every pending row; read rows every one (reading
    sees); seen rows the ``unseen`` steps. Steps another transaction has locked
    (PostgreSQL) are left to the check at their claim. Returns how many were cancelled.
    """
    if not used_channels():  # no type offers a channel: nothing was scheduled (no query)
        return 0
    scheduled = Delivery.objects.filter(status=Delivery.SCHEDULED)
    if not scheduled.exists():  # the common case, answered from a partial index
        return 0
    pending = scheduled.filter(notification__in=rows).filter(
        Q(notification__archived__isnull=False)
        | Q(notification__snoozed_until__isnull=False)
        | Q(notification__readed__isnull=False)
        | Q(notification__seen__isnull=False, condition="unseen")
    )
    features = connections[pending.db].features
    if features.has_select_for_update_skip_locked and features.has_select_for_update_of:
        # A step another transaction holds is skipped, never waited for: a delete of the
        # notification (its cascade locks the steps, then the row this read holds) would
        # otherwise deadlock with this read. A skipped step is still checked at its claim.
        pending = pending.select_for_update(skip_locked=True, of=("self",))
    by_reason: dict[str, list[int]] = {}
    listed = pending.values_list(
        "pk",
        "condition",
        "notification__readed",
        "notification__seen",
        "notification__archived",
        "notification__snoozed_until",
    )
    for pk, condition, readed, seen, archived, snoozed in listed:
        state = {"readed": readed, "seen": seen, "archived": archived, "snoozed_until": snoozed}
        reason = _ended(state, condition)
        if reason is not None:
            by_reason.setdefault(reason, []).append(pk)
    now = timezone.now()
    cancelled = 0
    for reason, pks in by_reason.items():
        cancelled += Delivery.objects.filter(pk__in=pks, status=Delivery.SCHEDULED).update(
            status=Delivery.CANCELLED, reason=reason, next_attempt_at=None, updated=now
        )
    return cancelled


def _ended(state: Mapping[str, Any], condition: str) -> str | None:
    """Why a step of a notification in ``state`` must not go any more, or None."""
    if state["archived"] is not None:
        return ARCHIVED
    if state["snoozed_until"] is not None:
        return SNOOZED
    if state["readed"] is not None:
        return READ
    if condition == "unseen" and state["seen"] is not None:
        return SEEN
    return None


def claim_due(channel: str, limit: int, now: datetime.datetime | None = None) -> list[Delivery]:
    """Claim up to ``limit`` due ``scheduled`` rows of ``channel`` whose condition still holds.

    One transaction: the notification rows are locked (or, on SQLite, the
    database), each row is checked against their committed state, those that no
    longer hold are ``cancelled`` (why), expired ones ``skipped`` ("expired"),
    and the rest claimed ``sending`` with this run's token; returns those, with
    ``notification``, its ``event``, ``type`` and ``user`` loaded. Rows another
    run claims meanwhile, or whose notification a transaction holds, are left
    for the next run.
    """
    moment = timezone.now() if now is None else now
    token = uuid.uuid4()
    due = Delivery.objects.filter(
        channel=channel, status=Delivery.SCHEDULED, next_attempt_at__lte=moment
    ).order_by("next_attempt_at", "pk")
    using = router.db_for_write(Delivery)
    features = connections[using].features
    with write_transaction(using):
        if features.has_select_for_update_skip_locked:
            candidates = dict(due.values_list("pk", "notification_id")[:limit])
            locked = Notification.objects.select_for_update(skip_locked=True).filter(
                pk__in=set(candidates.values())
            )
        else:
            # No row locks (SQLite): a write first takes the database's write lock, so
            # the states read below are the latest committed ones until this commits.
            Delivery.objects.filter(pk__in=due.values("pk")[:limit]).update(claim=token)
            candidates = dict(
                Delivery.objects.filter(claim=token).values_list("pk", "notification_id")
            )
            locked = Notification.objects.filter(pk__in=set(candidates.values()))
        states = {
            row["pk"]: row
            for row in locked.order_by("pk").values(
                "pk", "readed", "seen", "archived", "snoozed_until", "expires"
            )
        }
        rows = Delivery.objects.filter(
            pk__in=[pk for pk, n in candidates.items() if n in states],
            status=Delivery.SCHEDULED,
        )
        if features.has_select_for_update_skip_locked:
            # Steps a delete's cascade holds are skipped too: waiting for them while
            # holding their notification's lock would deadlock with that delete.
            rows = rows.select_for_update(skip_locked=True)
        outcomes: dict[str, list[int]] = {}
        for pk, notification_id, condition in rows.values_list(
            "pk", "notification_id", "condition"
        ):
            state = states[notification_id]
            expires = state["expires"]
            if expires is not None and expires <= moment:
                outcomes.setdefault("skipped:expired", []).append(pk)
            elif (reason := _ended(state, condition)) is not None:
                outcomes.setdefault(f"cancelled:{reason}", []).append(pk)
            else:
                outcomes.setdefault("claim", []).append(pk)
        for key, pks in outcomes.items():
            mine = Delivery.objects.filter(pk__in=pks, status=Delivery.SCHEDULED)
            if key == "claim":
                mine.update(
                    status=Delivery.SENDING,
                    claim=token,
                    attempts=F("attempts") + 1,
                    reason="",
                    updated=moment,
                )
            else:
                status, reason = key.split(":")
                mine.update(status=status, reason=reason, next_attempt_at=None, updated=moment)
        if not features.has_select_for_update_skip_locked:
            Delivery.objects.filter(claim=token).exclude(status=Delivery.SENDING).update(claim=None)
    return list(
        Delivery.objects.filter(claim=token, status=Delivery.SENDING)
        .select_related("notification__event__type", "notification__user")
        .order_by("notification_id")
    )


def next_due(channel: str | None = None) -> datetime.datetime | None:
    """When the earliest ``scheduled`` row (of ``channel``) falls due; None without one."""
    rows = Delivery.objects.filter(status=Delivery.SCHEDULED)
    if channel is not None:
        rows = rows.filter(channel=channel)
    first: datetime.datetime | None = (
        rows.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    )
    return first


def hold(records: list[Delivery], until: dict[int, datetime.datetime]) -> None:
    """Put claimed ``records`` back to ``scheduled`` until their user's quiet hours end.

    ``until`` maps a user id to the end of that user's window. The attempt the
    claim counted is given back.
    """
    now = timezone.now()
    by_time: dict[datetime.datetime, list[int]] = {}
    for record in records:
        when = until[record.notification.user_id]
        by_time.setdefault(when, []).append(record.pk)
        record.status, record.reason, record.next_attempt_at = (
            Delivery.SCHEDULED,
            "quiet hours",
            when,
        )
    for when, pks in by_time.items():
        Delivery.objects.filter(pk__in=pks).update(
            status=Delivery.SCHEDULED,
            reason="quiet hours",
            next_attempt_at=when,
            attempts=F("attempts") - 1,
            claim=None,
            updated=now,
        )
