"""Signed outbound webhooks to the project's own services (Standard Webhooks).

Needs the ``webhooks`` extra (``standardwebhooks``, which signs; ``httpcore``,
the policy's client) and ``NOTIFICATIONS["WEBHOOK_ENDPOINTS"]``::

    "WEBHOOK_ENDPOINTS": {
        "crm": {"url": "https://crm.example.com/hooks/notifications",
                "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "types": ["mention"]},          # optional: only these types
    }

Each notification is one message to each endpoint (the types it lists, or
all): a JSON body ``{"type": "notification.created", "timestamp": ...,
"data": <the notification as the REST API renders it>}`` with the
``webhook-id`` (``notification_<id>``: the same on every retry, so a receiver
deduplicates), ``webhook-timestamp`` and ``webhook-signature`` headers
(``v1,<HMAC-SHA256>`` with the endpoint's secret). Every POST goes through
:mod:`notifications.outbound.requests`; answers are read by
:mod:`notifications.outbound.posting`; an endpoint that took a message is
never sent it again on a retry.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation

from notifications.conf import notifications_settings
from notifications.i18n import user_language
from notifications.outbound import posting
from notifications.outbound.base import (
    BaseChannel,
    Outcome,
    Sent,
    Skipped,
    destinations_outcome,
    installed,
)
from notifications.payloads import payload_for

if TYPE_CHECKING:
    from notifications.models import Notification

EVENT = "notification.created"


def webhooks_installed() -> bool:
    """Whether the ``webhooks`` extra is installed."""
    return installed("standardwebhooks", "httpcore")


def secret_problem(secret: str) -> str | None:
    """Why ``secret`` cannot sign (not ``whsec_`` + base64, or empty); None when it can."""
    from standardwebhooks.webhooks import Webhook

    try:
        Webhook(secret)
    except Exception as error:  # binascii.Error, EmptyWebhookSecretError
        return f"not a Standard Webhooks secret (whsec_ + base64): {error}"
    return None


def endpoints_for(type_name: str) -> dict[str, dict[str, Any]]:
    """The endpoints that take ``type_name`` (those without ``types`` take every type)."""
    return {
        name: entry
        for name, entry in notifications_settings.WEBHOOK_ENDPOINTS.items()
        if entry.get("types") is None or type_name in entry["types"]
    }


def message_id(notification: Notification) -> str:
    """The ``webhook-id`` of a notification's message: the same on every attempt."""
    return f"notification_{notification.pk}"


def body(notification: Notification, now: datetime.datetime) -> bytes:
    """The JSON body of a notification's message (its text in the recipient's language)."""
    with translation.override(user_language(notification.user)):
        data = payload_for(notification)
    return json.dumps(
        {"type": EVENT, "timestamp": now.isoformat(), "data": data},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
    ).encode()


def signed_headers(
    secret: str, msg_id: str, now: datetime.datetime, content: bytes
) -> dict[str, str]:
    """The Standard Webhooks headers of one message, signed by ``standardwebhooks``."""
    from standardwebhooks.webhooks import Webhook

    return posting.json_headers(
        **{
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, now, content),
        }
    )


class WebhookChannel(BaseChannel):
    """One signed POST per notification to each endpoint of ``WEBHOOK_ENDPOINTS`` for its type."""

    name = "webhook"

    def is_available(self) -> bool:
        """On when the ``webhooks`` extra is installed and an endpoint is configured."""
        return webhooks_installed() and bool(notifications_settings.WEBHOOK_ENDPOINTS)

    def send(
        self, notifications: list[Notification], accepted: Mapping[int, frozenset[str]]
    ) -> dict[int, Outcome]:
        """POST each notification to each endpoint that has not taken it yet.

        Sent once every endpoint took it; Failed for retry while one failed
        transiently (those that took it are remembered); Failed, final, when the
        remaining ones failed for good.
        """
        outcomes: dict[int, Outcome] = {}
        for notification in notifications:
            done = accepted.get(notification.pk, frozenset())
            targets = {
                name: entry
                for name, entry in endpoints_for(notification.event.type.name).items()
                if name not in done
            }
            if not targets:
                outcomes[notification.pk] = Sent() if done else Skipped("no webhook endpoint")
                continue
            now = datetime.datetime.now(tz=datetime.UTC)
            content = body(notification, now)
            msg_id = message_id(notification)
            took: set[str] = set()
            errors: list[str] = []
            retry = False
            for name, entry in targets.items():
                headers = signed_headers(entry["secret"], msg_id, now, content)
                result = posting.post(entry["url"], content, headers, where=f"endpoint {name}")
                if result.accepted:
                    took.add(name)
                else:
                    errors.append(result.error)
                    retry = retry or result.retry
            outcome = destinations_outcome(took=took, earlier=done, errors=errors, retry=retry)
            outcomes[notification.pk] = outcome or Skipped("no webhook endpoint")
        return outcomes
