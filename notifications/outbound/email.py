"""The email channel: Django's mailers, per-type templates, links, one-click unsubscribe.

Sent through ``mailers[NOTIFICATIONS["MAILER"]]`` on Django >= 6.1 (``MAILERS``),
``get_connection()`` (``EMAIL_BACKEND``) before. Templates
(``notifications/email/<type>_subject.txt``, ``<type>.txt``, ``<type>.html``,
falling back to ``default_*``; digests use ``digest_*``) are rendered in the
recipient's language and time zone with ``user``, ``notifications`` (newest
first), ``notification`` (the first), ``event``, ``event_type``, ``links`` (each
notification's absolute link, by id), ``notification_url`` (the first one's),
``groups`` (the notifications by type, each item ``{"notification", "url"}``),
``inbox_url``, ``unsubscribe_url``, ``base_url`` and ``time_zone``, and the
text in the recipient's language (:func:`notifications.payloads.rendered_for`):
``title`` and ``message`` (the first notification's), ``texts`` (each one's
``(title, message)`` by id) and in each group item ``title`` and ``message``.
Use these, not ``event.title``, for translatable text; HTML templates escape
them. Each message carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` (RFC 8058).
"""

from __future__ import annotations

import datetime
import smtplib
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from notifications.conf import notifications_settings
from notifications.exceptions import NotificationsImproperlyConfigured
from notifications.i18n import user_language
from notifications.models import ChannelPreference
from notifications.outbound.base import BaseChannel, Failed, Outcome, Sent, Skipped
from notifications.payloads import rendered_for

if TYPE_CHECKING:
    from notifications.models import Notification

UNSUBSCRIBE_SALT = "notifications.outbound.email.unsubscribe"
TEMPLATES = "notifications/email"


def email_address(user: Any) -> str:
    """The user's address (the user model's email field); "" when there is none."""
    address = getattr(user, get_user_model().get_email_field_name(), "") or ""
    return str(address)


def user_time_zone(user: Any) -> zoneinfo.ZoneInfo:
    """The time zone to show ``user`` times in: ``NOTIFICATIONS["USER_TIME_ZONE"](user)``.

    Falls back to ``settings.TIME_ZONE`` when the setting is None, or the
    function returns a false value or a name that is not a time zone.
    """
    zone_of = notifications_settings.imported("USER_TIME_ZONE")
    name = zone_of(user) if zone_of is not None else None
    try:
        return zoneinfo.ZoneInfo(str(name or settings.TIME_ZONE))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def uses_mailers() -> bool:
    """Whether Django has ``MAILERS`` (6.1 and later): then emails go through a mailer alias."""
    return django.VERSION >= (6, 1)


def mailer() -> BaseEmailBackend:
    """A connection of the backend emails go through.

    ``mailers[NOTIFICATIONS["MAILER"]]`` (default ``"default"``) on Django >= 6.1;
    ``get_connection()`` (``EMAIL_BACKEND``) on older Django, where it is not deprecated.
    """
    if uses_mailers():
        return mail.mailers[notifications_settings.MAILER]
    return mail.get_connection()


def absolute(url: str) -> str:
    """``url`` made absolute against ``NOTIFICATIONS["BASE_URL"]`` when it is a path."""
    base = notifications_settings.BASE_URL
    if base and url.startswith("/"):
        return f"{str(base).rstrip('/')}{url}"
    return url


def unsubscribe_token(user: Any, type_names: Sequence[str]) -> str:
    """A signed token that turns email off for ``type_names`` for ``user``.

    Valid for ``UNSUBSCRIBE_MAX_AGE_DAYS``, and only until the user turns email
    back on for one of those types (see :func:`read_unsubscribe_token`).
    """
    return signing.dumps(
        {"u": str(user.pk), "t": sorted(set(type_names)), "at": timezone.now().timestamp()},
        salt=UNSUBSCRIBE_SALT,
        compress=True,
    )


def read_unsubscribe_token(token: str) -> tuple[str, list[str]]:
    """The (user pk, type names) of a valid token.

    Raises ``signing.BadSignature`` when it was tampered with, is older than
    ``UNSUBSCRIBE_MAX_AGE_DAYS`` (``signing.SignatureExpired``), or the user
    turned email back on for one of its types after it was made (an old mail
    cannot undo that choice). Using it twice is harmless.
    """
    max_age = datetime.timedelta(days=notifications_settings.UNSUBSCRIBE_MAX_AGE_DAYS)
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=max_age)
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("u"), str)
        or not isinstance(data.get("t"), list)
        or not all(isinstance(name, str) for name in data["t"])
        or not isinstance(data.get("at"), float | int)
    ):
        raise signing.BadSignature("Malformed unsubscribe token.")
    issued = datetime.datetime.fromtimestamp(data["at"], tz=datetime.UTC)
    if ChannelPreference.objects.filter(
        user_id=data["u"],
        channel="email",
        event_type__name__in=data["t"],
        enabled=True,
        updated__gt=issued,
    ).exists():
        raise signing.BadSignature("Email was turned back on after this link was made.")
    return data["u"], data["t"]


def unsubscribe_url(user: Any, type_names: Sequence[str]) -> str:
    """The absolute one-click unsubscribe URL (needs ``NOTIFICATIONS["BASE_URL"]``)."""
    base = notifications_settings.BASE_URL
    if not base:
        raise NotificationsImproperlyConfigured(
            "Email needs NOTIFICATIONS['BASE_URL'] (e.g. 'https://example.com') for its links."
        )
    path = reverse("notifications_unsubscribe", args=[unsubscribe_token(user, type_names)])
    return f"{str(base).rstrip('/')}{path}"


def build_message(
    user: Any, notifications: Sequence[Notification], *, digest: bool = False
) -> EmailMultiAlternatives:
    """The email for ``notifications`` of ``user`` (one notification, or a digest)."""
    first = notifications[0]
    types = [n.event.type.name for n in notifications]
    url = unsubscribe_url(user, types)
    inbox_url = absolute(str(notifications_settings.INBOX_URL))
    # Each notification leads to its own link, else to the inbox.
    links = {n.pk: absolute(n.event.url) if n.event.url else inbox_url for n in notifications}
    groups: dict[int, dict[str, Any]] = {}
    for notification in notifications:  # by type, in the order types first appear
        group = groups.setdefault(
            notification.event.type_id, {"type": notification.event.type, "items": []}
        )
        group["items"].append({"notification": notification, "url": links[notification.pk]})
    zone = user_time_zone(user)
    language = user_language(user)
    texts = {n.pk: rendered_for(n, language) for n in notifications}
    for group in groups.values():
        for item in group["items"]:
            item["title"], item["message"] = texts[item["notification"].pk]
    context = {
        "user": user,
        "notifications": list(notifications),
        "notification": first,
        "event": first.event,
        "event_type": first.event.type,
        "links": links,
        "notification_url": links[first.pk],
        "groups": list(groups.values()),
        "inbox_url": inbox_url,
        "unsubscribe_url": url,
        "base_url": str(notifications_settings.BASE_URL).rstrip("/"),
        "time_zone": zone,
        "texts": texts,
        "title": texts[first.pk].title,
        "message": texts[first.pk].message,
    }
    names = ["digest"] if digest else [first.event.type.name, "default"]
    with translation.override(language), timezone.override(zone):
        subject, text, html = (
            render_to_string([f"{TEMPLATES}/{name}{suffix}" for name in names], context)
            for suffix in ("_subject.txt", ".txt", ".html")
        )
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line, whatever the template's whitespace
        body=text,
        from_email=notifications_settings.EMAIL_FROM or settings.DEFAULT_FROM_EMAIL,
        to=[email_address(user)],
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def is_permanent(error: Exception) -> bool:
    """Whether sending again cannot help: a malformed address or header, or an SMTP 5xx."""
    if isinstance(error, ValueError):  # BadHeaderError (CR/LF), an invalid address
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def send_messages(messages: dict[Any, EmailMultiAlternatives]) -> dict[Any, Outcome]:
    """Send each message over one backend connection; the outcome per key.

    One message's failure is its own: permanent ones (:func:`is_permanent`) are
    final, the others retried.
    """
    outcomes: dict[Any, Outcome] = {}
    if not messages:
        return outcomes
    with mailer() as connection:
        for key, message in messages.items():
            try:
                connection.send_messages([message])
            except Exception as error:  # SMTP, network or a provider's error
                outcomes[key] = Failed(repr(error), retry=not is_permanent(error))
            else:
                outcomes[key] = Sent()
    return outcomes


class EmailChannel(BaseChannel):
    """One email per notification, through the mailer (:func:`mailer`).

    Types whose email option has a ``digest`` are not sent here but by the
    digest job (:mod:`notifications.outbound.digests`).
    """

    name = "email"

    def send(
        self, notifications: list[Notification], accepted: Mapping[int, frozenset[str]]
    ) -> dict[int, Outcome]:
        """Render and send one message per notification, over one connection.

        One address per notification, so ``accepted`` is always empty here.
        """
        outcomes: dict[int, Outcome] = {}
        messages: dict[int, EmailMultiAlternatives] = {}
        for notification in notifications:
            if not email_address(notification.user):
                outcomes[notification.pk] = Skipped("no email address")
                continue
            try:
                messages[notification.pk] = build_message(notification.user, [notification])
            except NotificationsImproperlyConfigured as error:
                outcomes[notification.pk] = Failed(str(error), retry=False)
        outcomes.update(send_messages(messages))
        return outcomes

    def send_digests(self, digests: Mapping[Any, list[Notification]]) -> dict[Any, Outcome]:
        """One digest email per user (``digest_*`` templates), over one connection."""
        outcomes: dict[Any, Outcome] = {}
        messages: dict[Any, EmailMultiAlternatives] = {}
        for user_id, notifications in digests.items():
            user = notifications[0].user
            if not email_address(user):
                outcomes[user_id] = Skipped("no email address")
                continue
            try:
                messages[user_id] = build_message(user, notifications, digest=True)
            except NotificationsImproperlyConfigured as error:
                outcomes[user_id] = Failed(str(error), retry=False)
        outcomes.update(send_messages(messages))
        return outcomes
