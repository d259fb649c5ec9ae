"""``manage.py prune_notifications``: delete old or expired notifications, then empty events.

Deletes in batches of ``--batch-size`` rows, each in its own short transaction,
walking the primary key so no batch rescans what an earlier one looked at.
Run it from cron (for example nightly).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from notifications.models import Event, Notification


def _days(value: str) -> int:
    days = int(value)
    if days < 0:
        raise ValueError(value)
    return days


class Command(BaseCommand):
    help = (
        "Delete read notifications older than --read-older-than DAYS and/or all "
        "notifications of events older than --older-than DAYS and/or (--expired) "
        "notifications whose expiry has passed, in batches; then delete events "
        "older than the shorter of the two ages (or expired) that have no "
        "notifications left. Scheduled sends that have not gone out are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--read-older-than",
            type=_days,
            metavar="DAYS",
            help="delete notifications marked read more than DAYS days ago",
        )
        parser.add_argument(
            "--older-than",
            type=_days,
            metavar="DAYS",
            help="delete every notification (read or not) of events older than DAYS days",
        )
        parser.add_argument(
            "--expired",
            action="store_true",
            help="delete notifications whose expiry (send_notification(expires=...)) has passed",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=10_000,
            help="rows deleted per statement and transaction (default 10000)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        read_days: int | None = options["read_older_than"]
        all_days: int | None = options["older_than"]
        expired: bool = options["expired"]
        batch_size: int = options["batch_size"]
        dry_run: bool = options["dry_run"]
        self.verbosity: int = options["verbosity"]
        if read_days is None and all_days is None and not expired:
            raise CommandError(
                "Give --read-older-than DAYS, --older-than DAYS, --expired, or several."
            )
        if batch_size < 1:
            raise CommandError("--batch-size must be a positive integer.")
        now = timezone.now()
        legs: list[tuple[str, Q]] = []
        if all_days is not None:
            cutoff = now - datetime.timedelta(days=all_days)
            legs.append((f"of events older than {all_days} days", Q(event__timestamp__lt=cutoff)))
        if read_days is not None:
            cutoff = now - datetime.timedelta(days=read_days)
            legs.append((f"read more than {read_days} days ago", Q(readed__lt=cutoff)))
        if expired:
            legs.append(("that expired", Q(expires__lte=now)))
        verb = "Would delete" if dry_run else "Deleted"
        for description, condition in legs:
            doomed = Notification.objects.filter(condition)
            count = doomed.count() if dry_run else self._delete(doomed, batch_size)
            self.stdout.write(f"{verb} {count} notifications {description}.")

        ages = [days for days in (read_days, all_days) if days is not None]
        remaining = Notification.objects.filter(event_id=OuterRef("pk"))
        for _, condition in legs if dry_run else []:
            remaining = remaining.exclude(condition)
        kinds: list[tuple[str, Q]] = []
        if ages:
            event_cutoff = now - datetime.timedelta(days=min(ages))
            kinds.append((f"older than {min(ages)} days", Q(timestamp__lt=event_cutoff)))
        if expired:
            kinds.append(("expired", Q(expires__lte=now)))
        events = kinds[0][1]
        for _, condition in kinds[1:]:
            events |= condition
        described = " or ".join(name for name, _ in kinds)
        empty = (
            Event.objects.filter(events)
            .filter(send_at__isnull=True)  # a scheduled send has no notifications yet
            .exclude(Exists(remaining))
        )
        count = empty.count() if dry_run else self._delete(empty, batch_size)
        self.stdout.write(f"{verb} {count} events {described} without notifications.")

    def _delete(self, rows: QuerySet[Any], batch_size: int) -> int:
        """Delete ``rows`` ``batch_size`` at a time in primary-key order; return how many."""
        ordered = rows.order_by("pk").values_list("pk", flat=True)
        deleted = 0
        low = None
        while True:
            window = ordered if low is None else ordered.filter(pk__gt=low)
            high = next(iter(window[batch_size - 1 : batch_size]), None)
            batch = rows.filter(pk__gt=low) if low is not None else rows
            if high is not None:
                batch = batch.filter(pk__lte=high)
            _, per_model = batch.order_by().delete()
            deleted += per_model.get(rows.model._meta.label, 0)
            if self.verbosity >= 2:
                self.stdout.write(f"  {rows.model._meta.verbose_name_plural}: {deleted}")
            if high is None:
                return deleted
            low = high
