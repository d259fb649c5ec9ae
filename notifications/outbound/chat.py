"""Slack, Microsoft Teams and Discord: one chat message per notification.

Needs the ``chat`` extra (``httpcore``, the outbound-request policy's client).
The destination of a notification is the recipient's own when the project's
hook names one (a Slack member id with ``SLACK_BOT_TOKEN``, or the user's
Teams/Discord webhook URL), else the type's project-configured incoming
webhook (``<CHANNEL>_WEBHOOK_URLS[type]``, else ``["*"]``), else the
notification is skipped (``no <channel> destination``). A type's project
destination gets one message per recipient, like every channel: send team-wide
types to the one user who stands for the team (docs/channels.md).

The text comes from :mod:`notifications.outbound.texts`; every POST goes
through :mod:`notifications.outbound.requests` (none of the vendors' SDKs lets
the request be made by another client: ``slack_sdk`` opens its own urllib
connections), and errors name the destination, never its URL (webhook URLs
carry their secret).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from notifications.conf import notifications_settings
from notifications.outbound import posting
from notifications.outbound.base import BaseChannel, Failed, Outcome, Sent, Skipped, installed
from notifications.outbound.texts import render_text

if TYPE_CHECKING:
    from notifications.models import Notification

#: chat.postMessage errors worth a retry (its other errors are final).
SLACK_RETRY = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def httpcore_installed() -> bool:
    """Whether ``httpcore`` (the ``chat`` extra) is installed."""
    return installed("httpcore")


def type_destination(urls: Mapping[str, str], type_name: str) -> str | None:
    """The project's webhook URL for ``type_name``: its own, else ``"*"``'s, else None."""
    return urls.get(type_name) or urls.get("*")


def _outcome(result: posting.Posted) -> Outcome:
    return Sent() if result.accepted else Failed(result.error, retry=result.retry)


def _dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


class WebhookChatChannel(BaseChannel):
    """A chat service reached by incoming-webhook POSTs; subclasses say where and what."""

    #: The ``NOTIFICATIONS`` keys of the per-type URLs and of the user hook.
    urls_setting = ""
    user_setting = ""
    #: The longest text the service accepts (longer texts end with "…").
    max_length = 4000

    def is_available(self) -> bool:
        """On when ``httpcore`` is installed and a destination is configured."""
        return httpcore_installed() and self.configured()

    def configured(self) -> bool:
        """Whether any destination is configured (project URLs or the user hook)."""
        return bool(getattr(notifications_settings, self.urls_setting)) or (
            getattr(notifications_settings, self.user_setting) is not None
        )

    def text(self, notification: Notification) -> str:
        """The notification's text (its template), within :attr:`max_length`."""
        text = render_text(self.name, notification)
        if len(text) > self.max_length:
            text = text[: self.max_length - 1] + "…"
        return text

    def user_url(self, user: Any) -> str | None:
        """The recipient's own webhook URL from the user hook; None when there is none."""
        hook = notifications_settings.imported(self.user_setting)
        return (hook(user) or None) if hook is not None else None

    def payload(self, text: str, notification: Notification) -> dict[str, Any]:
        """The JSON the service's webhook takes."""
        raise NotImplementedError

    def send_one(self, notification: Notification) -> Outcome:
        """Post one notification to its destination."""
        url = self.user_url(notification.user)
        where = f"{self.name} webhook of user {notification.user_id}"
        if url is None:
            type_name = notification.event.type.name
            url = type_destination(getattr(notifications_settings, self.urls_setting), type_name)
            where = f"{self.name} webhook of {type_name!r}"
        if url is None:
            return Skipped(f"no {self.name} destination")
        content = _dumps(self.payload(self.text(notification), notification))
        return _outcome(posting.post(url, content, posting.json_headers(), where=where))

    def send(
        self, notifications: list[Notification], accepted: Mapping[int, frozenset[str]]
    ) -> dict[int, Outcome]:
        """One message per notification (one destination each: ``accepted`` stays empty)."""
        return {n.pk: self.send_one(n) for n in notifications}


def slack_escape(text: str) -> str:
    """Slack's three control characters escaped (&, <, >): no injected mention or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackChannel(WebhookChatChannel):
    """Slack: a direct message by ``chat.postMessage`` (bot token + member id), else a webhook."""

    name = "slack"
    urls_setting = "SLACK_WEBHOOK_URLS"
    user_setting = "SLACK_USER_ID"
    max_length = 4000

    def configured(self) -> bool:
        """Project webhooks, or a bot token with the member id hook."""
        settings = notifications_settings
        return bool(settings.SLACK_WEBHOOK_URLS) or bool(
            settings.SLACK_BOT_TOKEN and settings.SLACK_USER_ID
        )

    def user_url(self, user: Any) -> str | None:
        """Slack users are reached by member id (:meth:`send_one`), not by a URL."""
        return None

    def payload(self, text: str, notification: Notification) -> dict[str, Any]:
        """``{"text": ...}``, escaped, links not unfurled."""
        return {"text": slack_escape(text), "unfurl_links": False, "unfurl_media": False}

    def member_id(self, user: Any) -> str | None:
        """The user's Slack member id from ``SLACK_USER_ID``, when a bot token is set."""
        hook = notifications_settings.imported("SLACK_USER_ID")
        if hook is None or not notifications_settings.SLACK_BOT_TOKEN:
            return None
        return hook(user) or None

    def send_one(self, notification: Notification) -> Outcome:
        """A direct message when the user has a member id, else the type's webhook."""
        member = self.member_id(notification.user)
        if member is None:
            return super().send_one(notification)
        payload = {"channel": member, **self.payload(self.text(notification), notification)}
        headers = posting.json_headers(
            Authorization=f"Bearer {notifications_settings.SLACK_BOT_TOKEN}"
        )
        url = f"{str(notifications_settings.SLACK_API_URL).rstrip('/')}/chat.postMessage"
        where = f"slack member {member[:40]}"
        result = posting.post(url, _dumps(payload), headers, where=where)
        if not result.accepted or result.response is None:
            return _outcome(result)
        try:  # the Web API answers 200 with {"ok": false, "error": ...} for its errors
            answer = json.loads(result.response.body)
        except ValueError:
            return Failed(f"{where}: not a Web API answer", retry=True)
        if isinstance(answer, dict) and answer.get("ok") is True:
            return Sent()
        error = str(answer.get("error") if isinstance(answer, dict) else answer)[:100]
        return Failed(f"{where}: {error}", retry=error in SLACK_RETRY)


class TeamsChannel(WebhookChatChannel):
    """Microsoft Teams: an Adaptive Card to a Workflows ("When a Teams webhook request is
    received") webhook."""

    name = "teams"
    urls_setting = "TEAMS_WEBHOOK_URLS"
    user_setting = "TEAMS_USER_WEBHOOK_URL"
    max_length = 10000

    def payload(self, text: str, notification: Notification) -> dict[str, Any]:
        """A message with one Adaptive Card (1.4): the text, one wrapped block per line."""
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {"type": "TextBlock", "text": line, "wrap": True}
                            for line in text.splitlines()
                            if line.strip()
                        ],
                    },
                }
            ],
        }


class DiscordChannel(WebhookChatChannel):
    """Discord: a webhook message; mentions in the text never ping anyone."""

    name = "discord"
    urls_setting = "DISCORD_WEBHOOK_URLS"
    user_setting = "DISCORD_USER_WEBHOOK_URL"
    max_length = 2000

    def payload(self, text: str, notification: Notification) -> dict[str, Any]:
        """``{"content": ..., "allowed_mentions": {"parse": []}}``."""
        return {"content": text, "allowed_mentions": {"parse": []}}
