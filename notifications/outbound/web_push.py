"""The Web Push channel: VAPID (RFC 8292) and aes128gcm payloads (RFC 8291) via pywebpush.

Needs the ``webpush`` extra and ``NOTIFICATIONS["WEB_PUSH_VAPID_PRIVATE_KEY"]``;
without either it is unavailable (hidden from preferences, ``push/key`` 404).
A 404 or 410 from the push service deletes that subscription.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import json
from collections import defaultdict
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from notifications.conf import notifications_settings
from notifications.models import PushSubscription
from notifications.outbound.base import BaseChannel, Failed, Outcome, Sent, Skipped
from notifications.payloads import web_push_payload

if TYPE_CHECKING:
    from notifications.models import Notification

GONE = {404, 410}


def vapid() -> Any:
    """The project's VAPID key as a ``py_vapid.Vapid``; None when Web Push is off.

    The setting is the key's text, or a :class:`pathlib.Path` of its PEM file,
    read here (when Web Push is first used), so a settings module that names a
    file ``vapid --gen`` has not written yet still loads: Web Push stays off
    (``notifications.W010``) until the file exists.
    """
    key = notifications_settings.WEB_PUSH_VAPID_PRIVATE_KEY
    if isinstance(key, PurePath):
        try:
            key = Path(key).read_text()
        except OSError:
            return None
    return _load_vapid(str(key).strip()) if key else None


@functools.lru_cache(maxsize=4)
def _load_vapid(text: str) -> Any:
    try:
        from py_vapid import Vapid, VapidException
    except ImportError:
        return None
    try:
        if text.startswith("-----BEGIN"):
            return Vapid.from_pem(text.encode())
        return Vapid.from_string(text)
    except (VapidException, ValueError, TypeError):  # not a key: Web Push stays off (W010)
        return None


def application_server_key() -> str | None:
    """The public key browsers pass to ``pushManager.subscribe()`` (base64url, unpadded)."""
    key = vapid()
    if key is None:
        return None
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@functools.cache
def pywebpush_installed() -> bool:
    """Whether pywebpush can be imported (looked up once per process, not imported)."""
    return importlib.util.find_spec("pywebpush") is not None


class WebPushChannel(BaseChannel):
    """One push per notification to each of the user's browser subscriptions."""

    name = "web_push"

    def is_available(self) -> bool:
        """On when pywebpush is installed and a VAPID private key is set.

        Asked on every send: finds pywebpush without importing it (its import, with
        aiohttp's, costs a fresh process ~300 ms), once per process.
        """
        return pywebpush_installed() and vapid() is not None

    def send(self, notifications: list[Notification]) -> dict[int, Outcome]:
        """Encrypt and POST each payload; Sent when at least one subscription took it."""
        from pywebpush import WebPushException, webpush

        key = vapid()
        subscriptions: dict[Any, list[PushSubscription]] = defaultdict(list)
        for subscription in PushSubscription.objects.filter(
            user_id__in={n.user_id for n in notifications}
        ):
            subscriptions[subscription.user_id].append(subscription)
        contact = notifications_settings.WEB_PUSH_CONTACT
        outcomes: dict[int, Outcome] = {}
        gone: set[int] = set()
        for notification in notifications:
            targets = [s for s in subscriptions[notification.user_id] if s.pk not in gone]
            if not targets:
                outcomes[notification.pk] = Skipped("no push subscription")
                continue
            data = json.dumps(web_push_payload(notification), separators=(",", ":"))
            errors = []
            delivered = False
            for subscription in targets:
                try:
                    webpush(
                        subscription_info={
                            "endpoint": subscription.endpoint,
                            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                        },
                        data=data,
                        vapid_private_key=key,
                        vapid_claims={"sub": contact} if contact else {},
                        content_encoding="aes128gcm",
                        ttl=notifications_settings.WEB_PUSH_TTL,
                        timeout=10,
                    )
                except WebPushException as error:
                    status = error.response.status_code if error.response is not None else None
                    if status in GONE:
                        gone.add(subscription.pk)
                    else:
                        errors.append(f"{subscription.endpoint[:80]}: {status or error}")
                except OSError as error:  # connection refused, DNS, timeout (requests' errors)
                    errors.append(f"{subscription.endpoint[:80]}: {error!r}")
                else:
                    delivered = True
            if delivered:
                outcomes[notification.pk] = Sent()
            elif errors:
                outcomes[notification.pk] = Failed("; ".join(errors))
            else:
                outcomes[notification.pk] = Skipped("push subscriptions expired")
        if gone:
            PushSubscription.objects.filter(pk__in=gone).delete()
        return outcomes


def save_subscription(user: Any, endpoint: str, p256dh: str, auth: str) -> bool:
    """Store a browser's subscription for ``user``; True when it is new for them.

    An endpoint is one browser: subscribing it again under another login moves it
    to that user (the browser now belongs to whoever is logged in).
    """
    _, created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"p256dh": p256dh, "auth": auth, "user_id": user.pk}
    )
    return created


def delete_subscription(user: Any, endpoint: str) -> int:
    """Delete ``user``'s subscription with that endpoint; how many were deleted (0 or 1)."""
    deleted, _ = PushSubscription.objects.filter(user_id=user.pk, endpoint=endpoint).delete()
    return deleted
