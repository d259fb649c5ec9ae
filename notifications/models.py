"""Event types, events and the per-user notifications they fan out into."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from notifications.querysets import NotificationQuerySet


class EventTypeQuerySet(models.QuerySet["EventType"]):
    def sendable(self) -> EventTypeQuerySet:
        """Types declared in ``settings.EVENTS`` right now, in that order."""
        return self.filter(is_active=True).order_by("position", "pk")


class EventType(models.Model):
    """A kind of event, declared in ``settings.EVENTS`` and synced by ``migrate``."""

    name = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    # False once the type is no longer in settings.EVENTS: its rows stay readable
    # but it cannot be sent or chosen in a filter.
    is_active = models.BooleanField(default=True)
    # Index of the type in settings.EVENTS, so filters list types in that order.
    position = models.PositiveIntegerField(default=0)

    objects = EventTypeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "event type"

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """Something that happened; it fans out into one Notification per recipient."""

    type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="events")
    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(max_length=255)
    message = models.TextField(null=True, blank=True)
    data = models.JSONField(null=True, blank=True)
    notifications_count = models.PositiveIntegerField(default=0)
    # Idempotency key given by the sender: one event per (type, key).
    key = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        ordering = ["-timestamp", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "key"],
                condition=Q(key__isnull=False),
                name="notifications_event_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_id}: {self.title}"


class Notification(models.Model):
    """One user's copy of an event, read or not."""

    # Both foreign keys are covered by the composite indexes below. They carry no
    # database constraint: per-row constraint checks would double the cost of a
    # fan-out (and queue two trigger events per row until commit). Django still
    # cascades deletes of users and events to their notifications.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
        db_constraint=False,
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
        db_constraint=False,
    )
    readed = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        constraints = [
            # One notification per user and event; also makes fan-out retries idempotent.
            models.UniqueConstraint(fields=["event", "user"], name="notifications_one_per_user"),
        ]
        indexes = [
            # A user's page, newest first.
            models.Index(fields=["user", "-id"], name="notifications_user_page"),
            # A user's unread rows (partial where the database supports it).
            models.Index(
                fields=["user"],
                condition=Q(readed__isnull=True),
                name="notifications_user_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} for user {self.user_id}"


class ExcludedEventType(models.Model):
    """A type a user chose not to receive (the filter is an opt-out set)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="excluded_event_types",
        db_index=False,
    )
    event_type = models.ForeignKey(EventType, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event_type"], name="notifications_excluded_once"
            ),
        ]
        verbose_name = "excluded event type"

    def __str__(self) -> str:
        return f"user {self.user_id} excludes {self.event_type_id}"


class BusMessage(models.Model):
    """A message of the database bus, written in the transaction of the change it carries.

    Every worker tails the table with a cursor; rows older than
    ``NOTIFICATIONS["BUS_RETENTION"]`` seconds are pruned automatically.
    """

    id = models.BigAutoField(primary_key=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    body = models.TextField()

    class Meta:
        verbose_name = "bus message"

    def __str__(self) -> str:
        return f"bus message #{self.pk}"
