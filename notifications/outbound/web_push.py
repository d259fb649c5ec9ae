"""The Web Push channel: VAPID (RFC 8292) and aes128gcm payloads (RFC 8291).

Needs the ``webpush`` extra (py-vapid, http-ece, httpcore) and
``NOTIFICATIONS["WEB_PUSH_VAPID_PRIVATE_KEY"]``; without either it is
unavailable (hidden from preferences, ``push/key`` 404). Every POST goes through
:mod:`notifications.outbound.requests` (no redirects, one total deadline, no
private address). Each subscription has its own outcome: a 2xx is accepted
(never sent again on a retry), 404/410 deletes the subscription, 429/5xx and
network failures are retried, any other answer is final.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.db import transaction

from notifications.conf import notifications_settings
from notifications.models import PushSubscription
from notifications.outbound import requests
from notifications.outbound.base import (
    BaseChannel,
    Outcome,
    Sent,
    Skipped,
    destinations_outcome,
    installed,
)
from notifications.payloads import web_push_payload

if TYPE_CHECKING:
    from notifications.models import Notification

GONE = {404, 410}
#: Answers worth a retry; any other non-2xx answer is final for that subscription.
TRANSIENT = {408, 425, 429}


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


def webpush_installed() -> bool:
    """Whether the ``webpush`` extra is installed."""
    return installed("py_vapid", "http_ece", "httpcore")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; ``ValueError`` when it is not base64url."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


def check_keys(p256dh: str, auth: str) -> None:
    """Raise ``ValueError`` naming the key unless ``p256dh`` is a P-256 point, ``auth`` 16 bytes."""
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        raw = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        if len(raw) != 65:
            raise ValueError("compressed")
    except ValueError as error:
        raise ValueError("p256dh must be an uncompressed P-256 public key (65 bytes).") from error
    try:
        secret = b64url_decode(auth)
    except ValueError as error:
        raise ValueError("auth is not base64url.") from error
    if len(secret) != 16:
        raise ValueError("auth must be 16 bytes.")


def check_endpoint(endpoint: str) -> str:
    """Raise :class:`~notifications.outbound.requests.RefusedURL` unless the server may POST there.

    The outbound-request policy, then ``WEB_PUSH_SERVICES`` (the known push
    services' hosts by default).
    """
    requests.check_url(endpoint)
    services = notifications_settings.WEB_PUSH_SERVICES
    if services is not None:
        host = (urlsplit(endpoint).hostname or "").rstrip(".").lower()
        if not any(
            host == entry.lstrip(".").lower()
            or (entry.startswith(".") and host.endswith(entry.lower()))
            for entry in services
        ):
            raise requests.RefusedURL(
                endpoint, "not a known push service (NOTIFICATIONS['WEB_PUSH_SERVICES'])"
            )
    return endpoint


@dataclass(frozen=True)
class PushResult:
    """One subscription's answer: ``accepted``, ``gone`` (delete it), or an ``error``."""

    accepted: bool = False
    gone: bool = False
    error: str = ""
    retry: bool = False


def push_request(
    subscription: PushSubscription, data: bytes, key: Any, contact: str | None
) -> tuple[dict[str, str], bytes]:
    """The headers and the aes128gcm body (RFC 8291) of one push, VAPID-signed (RFC 8292)."""
    import http_ece
    from cryptography.hazmat.primitives.asymmetric import ec

    body = http_ece.encrypt(
        data,
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=b64url_decode(subscription.p256dh),
        auth_secret=b64url_decode(subscription.auth),
        version="aes128gcm",
    )
    parts = urlsplit(subscription.endpoint)
    claims: dict[str, Any] = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + 12 * 3600,
    }
    if contact:
        claims["sub"] = contact
    headers = {str(k): str(v) for k, v in key.sign(claims).items()}
    headers.update(
        {
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(notifications_settings.WEB_PUSH_TTL),
        }
    )
    return headers, body


def push(subscription: PushSubscription, data: bytes, key: Any, contact: str | None) -> PushResult:
    """POST one push through the outbound-request policy; never raises for its answer."""
    from py_vapid import VapidException

    where = subscription.endpoint[:80]
    try:
        requests.check_url(subscription.endpoint, resolve_names=False)
        headers, body = push_request(subscription, data, key, contact)
    except requests.RefusedURL as error:  # stored before the policy existed
        return PushResult(error=f"{where}: refused: {error.reason}")
    except (ValueError, TypeError, VapidException) as error:  # keys stored unchecked
        return PushResult(error=f"{where}: unusable subscription ({error})")
    try:
        answer = requests.post(subscription.endpoint, content=body, headers=headers)
    except requests.RefusedURL as error:
        return PushResult(error=f"{where}: refused: {error.reason}")
    except requests.OutboundError as error:
        return PushResult(error=f"{where}: {error}", retry=True)
    if 200 <= answer.status < 300:
        return PushResult(accepted=True)
    if answer.status in GONE:
        return PushResult(gone=True)
    retry = answer.status in TRANSIENT or answer.status >= 500
    return PushResult(error=f"{where}: {answer.status}", retry=retry)


class WebPushChannel(BaseChannel):
    """One push per notification to each of the user's browser subscriptions."""

    name = "web_push"

    def is_available(self) -> bool:
        """On when the ``webpush`` extra is installed and a VAPID private key is set.

        Asked on every send: finds the extra's modules without importing them,
        once per process.
        """
        return webpush_installed() and vapid() is not None

    def send(
        self, notifications: list[Notification], accepted: Mapping[int, frozenset[str]]
    ) -> dict[int, Outcome]:
        """Push each notification to each subscription that has not taken it yet.

        Sent once every subscription took it or is gone (at least one took it);
        Failed for retry while one failed transiently (the others are remembered);
        Failed, final, when every remaining one failed permanently.
        """
        key = vapid()
        subscriptions: dict[Any, list[PushSubscription]] = defaultdict(list)
        for subscription in PushSubscription.objects.filter(
            user_id__in={n.user_id for n in notifications}
        ).order_by("pk"):
            subscriptions[subscription.user_id].append(subscription)
        contact = notifications_settings.WEB_PUSH_CONTACT
        outcomes: dict[int, Outcome] = {}
        gone: set[int] = set()
        for notification in notifications:
            done = accepted.get(notification.pk, frozenset())
            targets = [
                s
                for s in subscriptions[notification.user_id]
                if s.pk not in gone and str(s.pk) not in done
            ]
            if not targets:
                outcomes[notification.pk] = Sent() if done else Skipped("no push subscription")
                continue
            data = json.dumps(web_push_payload(notification), separators=(",", ":")).encode()
            took: set[str] = set()
            errors: list[str] = []
            retry = False
            for subscription in targets:
                result = push(subscription, data, key, contact)
                if result.accepted:
                    took.add(str(subscription.pk))
                elif result.gone:
                    gone.add(subscription.pk)
                else:
                    errors.append(result.error)
                    retry = retry or result.retry
            outcome = destinations_outcome(took=took, earlier=done, errors=errors, retry=retry)
            outcomes[notification.pk] = outcome or Skipped("push subscriptions expired")
        if gone:
            PushSubscription.objects.filter(pk__in=gone).delete()
        return outcomes


def save_subscription(user: Any, endpoint: str, p256dh: str, auth: str) -> bool:
    """Store a browser's subscription for ``user``; True when it is new for them.

    An endpoint is one browser: subscribing it under another login moves it to
    that user (the browser now belongs to whoever is logged in; the previous
    user's row is gone) and answers as for a new one, so the answer never tells
    whether someone else had it. Beyond ``WEB_PUSH_MAX_SUBSCRIPTIONS`` the
    user's oldest subscriptions are deleted.
    """
    with transaction.atomic():
        mine = PushSubscription.objects.filter(user_id=user.pk, endpoint=endpoint).exists()
        PushSubscription.objects.update_or_create(
            endpoint=endpoint, defaults={"p256dh": p256dh, "auth": auth, "user_id": user.pk}
        )
        cap = notifications_settings.WEB_PUSH_MAX_SUBSCRIPTIONS
        keep = PushSubscription.objects.filter(user_id=user.pk).order_by("-pk")[:cap]
        PushSubscription.objects.filter(user_id=user.pk).exclude(
            pk__in=list(keep.values_list("pk", flat=True))
        ).delete()
    return not mine


def delete_subscription(user: Any, endpoint: str) -> int:
    """Delete ``user``'s subscription with that endpoint; how many were deleted (0 or 1)."""
    deleted, _ = PushSubscription.objects.filter(user_id=user.pk, endpoint=endpoint).delete()
    return deleted
