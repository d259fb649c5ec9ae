"""Mobile push through Firebase Cloud Messaging's HTTP v1 API (Android, iOS via APNs, web).

Needs the ``fcm`` extra (``google-auth``, which makes the OAuth2 access token
from a service account; ``httpcore``, the policy's client) and
``NOTIFICATIONS["FCM_CREDENTIALS"]`` (the service account's JSON: a dict, its
text, or a :class:`pathlib.Path` of its file). ``firebase-admin`` is not used:
it brings its own HTTP stack (requests, httplib2) that the outbound-request
policy cannot sit under, and much more than this one POST.

Both requests go through :mod:`notifications.outbound.requests`: the token
request to the service account's ``token_uri`` (google-auth's transport is
:class:`PolicyRequest`) and each ``POST {FCM_API_URL}/v1/projects/<project>/
messages:send`` (``FCM_API_URL`` is overridable for a local stand-in). One
message per device token: ``notification`` (title, body), ``data`` (strings:
``notification_id``, ``type``, ``url``, ``data`` as JSON) and the unread count
as the badge (``apns.payload.aps.badge``, ``android.notification.
notification_count``). A token FCM reports as ``UNREGISTERED`` (404) or that
answers 410 is deleted; 429, 5xx and network failures are retried; a 401
drops the cached access token and is retried; any other answer is final.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from django.db import transaction

from notifications.badges import badge_counts
from notifications.conf import notifications_settings, reset_on_change
from notifications.models import Device
from notifications.outbound import posting, requests
from notifications.outbound.base import (
    BaseChannel,
    Failed,
    Outcome,
    Sent,
    Skipped,
    destinations_outcome,
    installed,
)
from notifications.outbound.texts import notification_url
from notifications.payloads import rendered_for

if TYPE_CHECKING:
    from notifications.models import Notification

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GONE = frozenset({404, 410})


def fcm_installed() -> bool:
    """Whether the ``fcm`` extra is installed."""
    return installed("google.oauth2", "httpcore")


def service_account() -> dict[str, Any] | None:
    """The service account's JSON from ``FCM_CREDENTIALS``; None when unset or unreadable."""
    value = notifications_settings.FCM_CREDENTIALS
    if isinstance(value, PurePath):
        try:
            value = Path(value).read_text()
        except OSError:
            return None
    if isinstance(value, str):
        return _parse_account(value)
    return value if isinstance(value, dict) else None


@functools.lru_cache(maxsize=4)
def _parse_account(text: str) -> dict[str, Any] | None:
    # Parsed once per text: availability is asked on every send.
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class PolicyResponse:
    """google-auth's transport response over an :class:`~requests.OutboundResponse`."""

    def __init__(self, answer: requests.OutboundResponse) -> None:
        self.status = answer.status
        self.headers = answer.headers
        self.data = answer.body


class PolicyRequest:
    """google-auth's transport (``google.auth.transport.Request``) on the outbound policy.

    The token endpoint (``token_uri`` of the service account, an admin-supplied
    URL) is requested like any other: POST only, no redirect, one deadline.
    """

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> PolicyResponse:
        from google.auth import exceptions

        if method != "POST":
            message = f"{method} is not allowed by the outbound policy"
            raise exceptions.TransportError(message)  # type: ignore[no-untyped-call]
        content = body.encode() if isinstance(body, str) else (body or b"")
        try:
            return PolicyResponse(requests.post(url, content=content, headers=dict(headers or {})))
        except (requests.RefusedURL, requests.OutboundError) as error:
            raise exceptions.TransportError(str(error)) from error  # type: ignore[no-untyped-call]


_credentials: Any = None


def credentials() -> Any:
    """The service account's google-auth credentials (built once; their token is cached)."""
    global _credentials
    if _credentials is None:
        from google.oauth2 import service_account as accounts

        info = service_account()
        if info is None:
            return None
        build = accounts.Credentials.from_service_account_info
        _credentials = build(info, scopes=[SCOPE])  # type: ignore[no-untyped-call]
    return _credentials


@reset_on_change("NOTIFICATIONS")
def reset_credentials() -> None:
    """Forget the credentials and their token (the settings changed)."""
    global _credentials
    _credentials = None


def access_token() -> str:
    """A valid OAuth2 access token, refreshed through the policy when it expired.

    Raises ``google.auth.exceptions.GoogleAuthError`` when the token endpoint
    refuses or cannot be reached.
    """
    creds = credentials()
    if not creds.valid:
        creds.refresh(PolicyRequest())
    return str(creds.token)


def project_id() -> str:
    """``FCM_PROJECT_ID``, else the service account's ``project_id``."""
    info = service_account() or {}
    return str(notifications_settings.FCM_PROJECT_ID or info.get("project_id", ""))


def message(notification: Notification, token: str, unread: int) -> dict[str, Any]:
    """The ``message`` of one send (FCM v1 ``Message``), in the recipient's language."""
    event = notification.event
    text = rendered_for(notification)
    data = {
        "notification_id": str(notification.pk),
        "type": event.type.name,
        "url": notification_url(notification),
    }
    if event.data is not None:
        data["data"] = json.dumps(event.data, separators=(",", ":"))
    return {
        "token": token,
        "notification": {"title": text.title, "body": text.message or ""},
        "data": data,
        "android": {"notification": {"notification_count": unread}},
        "apns": {"payload": {"aps": {"badge": unread}}},
    }


class FCMChannel(BaseChannel):
    """One FCM message per notification to each of the user's devices."""

    name = "fcm"

    def is_available(self) -> bool:
        """On when the ``fcm`` extra is installed and ``FCM_CREDENTIALS`` reads as JSON."""
        return fcm_installed() and service_account() is not None

    def send(
        self, notifications: list[Notification], accepted: Mapping[int, frozenset[str]]
    ) -> dict[int, Outcome]:
        """Send to each device that has not taken it yet; delete the devices FCM reports gone.

        Sent once every device took it or is gone (one at least took it); Failed
        for retry while one failed transiently; Failed, final, when the remaining
        ones failed for good. No access token: every notification is retried.
        """
        from google.auth.exceptions import GoogleAuthError

        devices: dict[Any, list[Device]] = defaultdict(list)
        user_ids = {n.user_id for n in notifications}
        for device in Device.objects.filter(user_id__in=user_ids).order_by("pk"):
            devices[device.user_id].append(device)
        counts = badge_counts([uid for uid in user_ids if devices[uid]])
        url = (
            f"{str(notifications_settings.FCM_API_URL).rstrip('/')}"
            f"/v1/projects/{project_id()}/messages:send"
        )
        outcomes: dict[int, Outcome] = {}
        gone: set[int] = set()
        for notification in notifications:
            done = accepted.get(notification.pk, frozenset())
            targets = [
                d
                for d in devices[notification.user_id]
                if d.pk not in gone and str(d.pk) not in done
            ]
            if not targets:
                outcomes[notification.pk] = Sent() if done else Skipped("no device")
                continue
            try:
                token = access_token()
            except GoogleAuthError as error:
                outcomes[notification.pk] = Failed(f"access token: {error}"[:500], retry=True)
                continue
            unread = counts[notification.user_id]["unread"]
            took: set[str] = set()
            errors: list[str] = []
            retry = False
            for device in targets:
                body = json.dumps({"message": message(notification, device.token, unread)})
                headers = posting.json_headers(Authorization=f"Bearer {token}")
                result = posting.post(url, body.encode(), headers, where=f"device {device.pk}")
                status = result.response.status if result.response is not None else 0
                if result.accepted:
                    took.add(str(device.pk))
                elif status in GONE:
                    gone.add(device.pk)
                else:
                    if status == 401:  # the access token was revoked or expired early
                        reset_credentials()
                    errors.append(result.error)
                    retry = retry or result.retry or status == 401
            outcome = destinations_outcome(took=took, earlier=done, errors=errors, retry=retry)
            outcomes[notification.pk] = outcome or Skipped("devices unregistered")
        if gone:
            Device.objects.filter(pk__in=gone).delete()
        return outcomes


def user_devices(user: Any) -> list[dict[str, Any]]:
    """``user``'s devices, oldest first: token, platform, created."""
    rows = Device.objects.filter(user_id=user.pk).order_by("pk")
    return [dict(row) for row in rows.values("token", "platform", "created")]


def save_device(user: Any, token: str, platform: str) -> bool:
    """Register ``token`` for ``user``; True when it is new for them.

    A token is one app install: registering it under another login moves it
    (answered as new, so the answer never tells whether someone else had it).
    Beyond ``FCM_MAX_DEVICES`` the user's oldest devices are deleted.
    """
    with transaction.atomic():
        mine = Device.objects.filter(user_id=user.pk, token=token).exists()
        Device.objects.update_or_create(
            token=token, defaults={"user_id": user.pk, "platform": platform}
        )
        cap = notifications_settings.FCM_MAX_DEVICES
        keep = Device.objects.filter(user_id=user.pk).order_by("-pk")[:cap]
        Device.objects.filter(user_id=user.pk).exclude(
            pk__in=list(keep.values_list("pk", flat=True))
        ).delete()
    return not mine


def delete_device(user: Any, token: str) -> int:
    """Delete ``user``'s device with that token; how many were deleted (0 or 1)."""
    deleted, _ = Device.objects.filter(user_id=user.pk, token=token).delete()
    return deleted
