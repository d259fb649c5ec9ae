"""The inbox element's strings in the active language, from the package's catalogue.

``<notifications-inbox>`` ships English defaults (``STRINGS`` in ``inbox.js``) and
takes replacements through its ``strings`` attribute (JSON). The same msgids are
marked here, so ``makemessages`` collects them into the package's catalogue, and
``{% load notifications_i18n %}<notifications-inbox strings="{% inbox_strings %}">``
renders them in the page's language: no JavaScript catalogue to serve or load.
``tests/i18n/test_catalogues.py`` keeps these keys and msgids equal to ``inbox.js``.
"""

from __future__ import annotations

import json

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

register = template.Library()

#: ``STRINGS`` of ``inbox.js``: the same keys and English text; ``{name}`` placeholders stay.
INBOX_STRINGS = {
    "bell": _("Notifications"),
    "bellNone": _("Notifications, no unread"),
    "bellUnread": _("Notifications, {count} unread"),
    "bellUnseen": _(", {count} new"),
    "title": _("Notifications"),
    "inbox": _("Inbox"),
    "archived": pgettext_lazy("inbox tab", "Archive"),
    "markAllRead": _("Mark all read"),
    "markRead": _("Mark read"),
    "markReadLabel": _("Mark read: {title}"),
    "markUnread": _("Mark unread"),
    "markUnreadLabel": _("Mark unread: {title}"),
    "archive": _("Archive"),
    "archiveLabel": _("Archive: {title}"),
    "unarchive": _("Restore"),
    "unarchiveLabel": _("Restore: {title}"),
    "snooze": _("Snooze 1 h"),
    "snoozeLabel": _("Snooze 1 h: {title}"),
    "remove": _("Delete"),
    "removeLabel": _("Delete: {title}"),
    "mute": _("Mute this thread"),
    "muteLabel": _("Mute this thread: {title}"),
    "unmute": _("Unmute thread"),
    "unmuteLabel": _("Unmute thread: {title}"),
    "close": _("Close"),
    "loadMore": _("Load more"),
    "loading": _("Loading…"),
    "empty": _("No notifications yet."),
    "emptyArchived": _("Nothing archived."),
    "live": _("Live"),
    "connecting": _("Connecting…"),
    "offline": _("Offline"),
    "reconnecting": _("Reconnecting in {seconds} s…"),
    "signedOut": _("Signed out: log in again to get live updates"),
    "loggedOut": _("Log in to see your notifications."),
    "newItem": _("New notification: {title}"),
    "from": _("from {name}"),
    "groupedOne": _("{name} and 1 other"),
    "groupedMany": _("{name} and {others} others"),
    "unreadDot": _("Unread"),
    "readDot": _("Read"),
    "justNow": _("just now"),
    "networkError": _("Could not reach the server. Check your connection and try again."),
    "error": _("That did not work: {message}"),
}


@register.simple_tag
def inbox_strings() -> str:
    """The element's strings in the active language, as JSON for its ``strings`` attribute
    (escaped by the template's autoescaping)."""
    return json.dumps({key: str(text) for key, text in INBOX_STRINGS.items()}, ensure_ascii=False)
