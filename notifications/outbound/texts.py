"""The text a chat or SMS channel sends: per-type templates, looked up in the project first.

``notifications/<channel>/<type>.txt``, falling back to
``notifications/<channel>/default.txt`` (the package ships one per channel: the
title, the message and the link), rendered like the email templates: in the
recipient's language and time zone, with ``user``, ``notification``,
``event``, ``event_type``, ``notification_url`` (absolute, else the inbox),
``inbox_url``, and ``title`` and ``message`` in the recipient's language
(:func:`notifications.payloads.rendered_for`; use them, not ``event.title``).
Autoescaping is off: the result is plain text, which each channel escapes for
its own markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.conf import notifications_settings
from notifications.i18n import user_language
from notifications.outbound.email import absolute, user_time_zone
from notifications.payloads import rendered_for

if TYPE_CHECKING:
    from notifications.models import Notification


def notification_url(notification: Notification) -> str:
    """The notification's absolute link, else the inbox's."""
    url = notification.event.url or str(notifications_settings.INBOX_URL)
    return absolute(url)


def render_text(channel: str, notification: Notification) -> str:
    """The text of ``notification`` on ``channel``, stripped of surrounding whitespace."""
    user = notification.user
    language = user_language(user)
    title, message = rendered_for(notification, language)
    context = {
        "title": title,
        "message": message,
        "user": user,
        "notification": notification,
        "event": notification.event,
        "event_type": notification.event.type,
        "notification_url": notification_url(notification),
        "inbox_url": absolute(str(notifications_settings.INBOX_URL)),
    }
    names = [
        f"notifications/{channel}/{notification.event.type.name}.txt",
        f"notifications/{channel}/default.txt",
    ]
    zone = user_time_zone(user)
    with translation.override(language), timezone.override(zone):
        return render_to_string(names, context).strip()
