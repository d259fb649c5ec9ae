"""Event types, events and the per-user notifications they fan out into."""

from __future__ import annotations

import functools
import zoneinfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from notifications.conf import declared_names
from notifications.querysets import NotificationQuerySet, SubscriptionQuerySet

#: The largest id a row can have (64-bit ``BigAutoField``): larger ids name no row.
MAX_ID = 2**63 - 1


class EventTypeQuerySet(models.QuerySet["EventType"]):
    def sendable(self) -> EventTypeQuerySet:
        """Types that can be sent: declared in ``settings.EVENTS`` now and active, in that order.

        The one rule (:func:`notifications.event_types.sendable_type` looks one up by name).
        """
        active = self.filter(is_active=True, name__in=declared_names())
        return active.order_by("position", "pk")


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
    # What the event is about (any model instance): its content type and primary
    # key as text, so every kind of key fits and deleting the target keeps the rows.
    target_type = models.ForeignKey(
        ContentType,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # covered by notifications_event_target
    )
    target_id = models.CharField(max_length=255, null=True, blank=True)
    # Its notifications disappear from every list and count after this moment.
    expires = models.DateTimeField(null=True, blank=True)
    # Notifications of the same type and group fold into one unread row per user.
    group = models.CharField(max_length=255, null=True, blank=True)
    # A scheduled send not yet fanned out goes out at this time; None once it has.
    send_at = models.DateTimeField(null=True, blank=True)
    # Where the notification leads: the send's ``url=`` (a path or an http(s) URL),
    # else the target's get_absolute_url() at send time; rendered as ``event.url``.
    url = models.CharField(max_length=2048, null=True, blank=True)
    # Translatable text (notifications.i18n.TextSpec): message ids and params, stored
    # once; title and message are rendered from it in each reader's language. None for
    # literal text. ``title``/``message`` then hold the LANGUAGE_CODE rendering.
    text = models.JSONField(null=True, blank=True)

    #: Set on the Event that ``send_notification`` returns (not a column): True
    #: when that call wrote it, False when its idempotency ``key`` matched an existing one.
    created: bool

    class Meta:
        ordering = ["-timestamp", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "key"],
                condition=Q(key__isnull=False),
                name="notifications_event_unique_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["target_type", "target_id"],
                condition=Q(target_id__isnull=False),
                name="notifications_event_target",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


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
    # When the user opened the inbox over it (``seen-all``); reading implies seeing.
    seen = models.DateTimeField(null=True, blank=True)
    archived = models.DateTimeField(null=True, blank=True)
    # When it last received an event: its creation, or the latest event folded
    # into it. The inbox is newest first by this time.
    delivered = models.DateTimeField(default=timezone.now)
    # Copy of the event's expiry, so counts filter it from their own index.
    expires = models.DateTimeField(null=True, blank=True)
    # A grouped row: its event's group and type (the folding key), how many
    # events it holds and their recent authors, newest first:
    # ``[{"id": 9, "name": "ann"}, ...]``. Ungrouped rows keep count 1, no authors.
    group = models.CharField(max_length=255, null=True, blank=True)
    group_type = models.ForeignKey(
        EventType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    count = models.PositiveIntegerField(default=1)
    authors = models.JSONField(null=True, blank=True)
    # Snoozed by its user until this moment: hidden from every list, count and
    # read until then; it then comes back unread and unseen (docs/escalation.md).
    snoozed_until = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-delivered", "-pk"]
        constraints = [
            # One notification per user and event; also makes fan-out retries idempotent.
            models.UniqueConstraint(fields=["event", "user"], name="notifications_one_per_user"),
            # At most one open (unread, unarchived) row per user, type and group:
            # the row a grouped send folds into (INSERT ... ON CONFLICT DO UPDATE).
            models.UniqueConstraint(
                fields=["user", "group_type", "group"],
                condition=Q(group__isnull=False, readed__isnull=True, archived__isnull=True),
                name="notifications_open_group",
            ),
        ]
        indexes = [
            # The catch-up cursor (``after_id``): a user's rows by id.
            models.Index(fields=["user", "-id"], name="notifications_user_page"),
            # A user's inbox page, newest first, archived ones left out; the
            # expiry last so the page's COUNT is answered from the index alone.
            models.Index(
                fields=["user", "-delivered", "-id", "expires"],
                condition=Q(archived__isnull=True, snoozed_until__isnull=True),
                name="notifications_user_inbox",
            ),
            # Unread and unseen counts: partial, with the expiry in the key so
            # expired rows are skipped without reading the table.
            models.Index(
                fields=["user", "expires"],
                condition=Q(readed__isnull=True, archived__isnull=True, snoozed_until__isnull=True),
                name="notifications_user_unread_live",
            ),
            models.Index(
                fields=["user", "expires"],
                condition=Q(seen__isnull=True, archived__isnull=True, snoozed_until__isnull=True),
                name="notifications_user_unseen",
            ),
            # The return of snoozed rows: those whose time has come.
            models.Index(
                fields=["snoozed_until"],
                condition=Q(snoozed_until__isnull=False),
                name="notifications_snoozed",
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


# --- Delivery channels: email and Web Push (docs/channels.md) ---


class ChannelPreference(models.Model):
    """A user's choice for one event type on one channel, where it differs from the default.

    The in-app switch is not stored here: it is :class:`ExcludedEventType` (the filter).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_channel_preferences",
        db_index=False,
    )
    event_type = models.ForeignKey(EventType, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=32)
    enabled = models.BooleanField()
    # When the choice last changed: unsubscribe links made before it stop working.
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event_type", "channel"], name="notifications_channel_pref_once"
            ),
        ]
        indexes = [
            # Delivery reads the choices of one type and channel for a batch of users.
            models.Index(
                fields=["event_type", "channel", "user"], name="notifications_pref_lookup"
            ),
        ]
        verbose_name = "channel preference"

    def __str__(self) -> str:
        state = "on" if self.enabled else "off"
        return f"user {self.user_id}: {self.event_type_id} by {self.channel} {state}"


class Delivery(models.Model):
    """What happened to one notification on one channel (email, Web Push).

    The row is unique per (notification, channel) and is claimed (``sending``)
    before anything is sent, so a retried or duplicated task never sends twice.
    """

    QUEUED = "queued"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"
    STATUSES = [
        (QUEUED, "queued"),
        (SCHEDULED, "scheduled"),
        (CANCELLED, "cancelled"),
        (SENDING, "sending"),
        (SENT, "sent"),
        (SKIPPED, "skipped"),
        (FAILED, "failed"),
    ]

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    channel = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=STATUSES, default=QUEUED)
    # Why it was skipped or cancelled ("disabled", "read", "no email address", ...),
    # or why a scheduled row waits ("quiet hours").
    reason = models.CharField(max_length=255, blank=True, default="")
    # An escalation step's condition ("unread", "unseen"): checked when the step is
    # claimed, under a lock on the notification; empty for a plain delivery.
    condition = models.CharField(max_length=16, blank=True, default="")
    # The last failure, as the backend reported it.
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    # True when the notification goes (or went) out in an email digest.
    digest = models.BooleanField(default=False)
    # When the row may be claimed (again); None once it is final.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Token of the task run that claimed the row.
    claim = models.UUIDField(null=True, blank=True)
    # Destinations (for Web Push, subscription ids) that already took the notification;
    # a retry is not sent to them again.
    accepted = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notifications_one_delivery"
            ),
        ]
        indexes = [
            # The retry sweep: failed rows whose next attempt is due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="failed"),
                name="notifications_delivery_due",
            ),
            models.Index(fields=["claim"], name="notifications_delivery_claim"),
            # Escalation steps and deliveries held by quiet hours, by when they are due.
            models.Index(
                fields=["channel", "next_attempt_at"],
                condition=Q(status="scheduled"),
                name="notifications_delivery_sched",
            ),
        ]
        verbose_name = "delivery"
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"notification {self.notification_id} by {self.channel}: {self.status}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (``PushSubscription.toJSON()``) for one user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "push subscription"

    def __str__(self) -> str:
        return f"user {self.user_id}: {self.endpoint[:60]}"


class Device(models.Model):
    """A mobile app's (or a web app's) Firebase Cloud Messaging registration token for one user."""

    ANDROID, IOS, WEB = "android", "ios", "web"
    PLATFORMS = [(ANDROID, "Android"), (IOS, "iOS"), (WEB, "Web")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_devices"
    )
    token = models.CharField(max_length=512, unique=True)
    platform = models.CharField(max_length=16, choices=PLATFORMS)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        verbose_name = "device"

    def __str__(self) -> str:
        return f"user {self.user_id}: {self.platform} {self.token[:20]}…"


class DigestState(models.Model):
    """When a user last got an email digest of one event type."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    event_type = models.ForeignKey(EventType, on_delete=models.CASCADE, related_name="+")
    last_sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event_type"], name="notifications_digest_once"
            ),
        ]
        verbose_name = "digest state"

    def __str__(self) -> str:
        return f"user {self.user_id}: {self.event_type_id} at {self.last_sent_at}"


class ScheduledSend(models.Model):
    """Who a scheduled send (``send_at``) goes to, stored at send time until it runs.

    ``everyone`` means every user that exists when it runs; otherwise the
    recipients are its :class:`ScheduledRecipient` rows, written by one
    ``INSERT ... SELECT`` per chunk of the audience. Both go when it runs or
    when it is cancelled (with its Event).
    """

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, primary_key=True, related_name="scheduled_send"
    )
    everyone = models.BooleanField(default=False)

    class Meta:
        verbose_name = "scheduled send"

    def __str__(self) -> str:
        return f"event {self.event_id}: {'everyone' if self.everyone else 'chosen users'}"


class ScheduledRecipient(models.Model):
    """One chosen recipient of a :class:`ScheduledSend`."""

    send = models.ForeignKey(
        ScheduledSend, on_delete=models.CASCADE, related_name="recipients", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["send", "user"], name="notifications_scheduled_once"),
        ]
        verbose_name = "scheduled recipient"

    def __str__(self) -> str:
        return f"event {self.send_id}: user {self.user_id}"


class Subscription(models.Model):
    """One user's relation to one object (a post, an issue, a user): following it, muting it.

    The object is named like an Event's target: its content type and its
    primary key as text. ``subscribed``: the user follows it
    (:func:`notifications.subscriptions.subscribers`). ``muted_at`` set: no
    send about the object reaches the user until ``muted_until`` (None: for
    ever), whoever the send names. One row per user and object; a row neither
    subscribed nor muted is deleted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_subscriptions",
        db_index=False,  # covered by notifications_sub_user
    )
    target_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # covered by notifications_subscription_once
    )
    target_id = models.CharField(max_length=255)
    subscribed = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)
    muted_at = models.DateTimeField(null=True, blank=True)
    # The mute ends at this time; None with ``muted_at`` set: muted for ever.
    muted_until = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            # One row per object and user; its index serves the fan-out to an object's
            # subscribers (chunked on user_id) and the mute check of every targeted send.
            models.UniqueConstraint(
                fields=["target_type", "target_id", "user"], name="notifications_subscription_once"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created"], name="notifications_sub_user"),
        ]
        verbose_name = "subscription"

    def __str__(self) -> str:
        return f"user {self.user_id} on {self.target_type_id}:{self.target_id}"


@functools.cache
def time_zone_names() -> frozenset[str]:
    """The IANA time zone names this system knows (the one rule for a user's time zone)."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """``ValidationError`` naming ``value`` unless it is a known IANA time zone name."""
    if value not in time_zone_names():
        raise ValidationError(
            "%(value)r is not a known time zone (IANA name).",
            code="unknown",
            params={"value": str(value)[:64]},
        )


class QuietHours(models.Model):
    """A user's quiet hours: a daily window in their time zone (it may cross midnight).

    Deliveries on channels other than the inbox that fall inside the window wait
    until it ends, unless their type is declared ``urgent``. ``start == end``
    means no window.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_quiet_hours",
    )
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    start = models.TimeField()
    end = models.TimeField()
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = "quiet hours"
        verbose_name_plural = "quiet hours"

    def __str__(self) -> str:
        return f"user {self.user_id}: {self.start:%H:%M}-{self.end:%H:%M} {self.time_zone}"
