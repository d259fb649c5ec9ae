"""Twilio's Messages API through its official library, the request made by the policy.

Needs the ``twilio`` extra and ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``
and ``TWILIO_FROM`` (a number, or a Messaging Service SID ``MG...``). The
library builds the request (``client.messages.create``) and reads the answer;
its ``http_client`` is :class:`PolicyHttpClient`, so the POST goes through
:mod:`notifications.outbound.requests` (no redirect, one deadline, no private
address) to ``TWILIO_API_URL`` (``https://api.twilio.com``; a local stand-in
in development).

Outcomes: 2xx sent; error 21610 (the recipient replied STOP) skipped for
good, as the user's opt-out; 429, 5xx and network failures retried; any other
error (an invalid number: 21211, 21614) final.
"""

from __future__ import annotations

import base64
import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from notifications.conf import notifications_settings
from notifications.outbound import posting, requests
from notifications.outbound.base import Failed, Outcome, Sent, Skipped, installed
from notifications.outbound.sms import BaseSMSProvider

#: Twilio's error code for a recipient who opted out (replied STOP).
OPTED_OUT = 21610
TWILIO = "https://api.twilio.com"


def twilio_installed() -> bool:
    """Whether the ``twilio`` extra is installed."""
    return installed("twilio", "httpcore")


def policy_http_client() -> Any:
    """A ``twilio.http.HttpClient`` whose requests go through the outbound-request policy."""
    from twilio.http import HttpClient
    from twilio.http.response import Response

    class PolicyHttpClient(HttpClient):
        """POSTs only; ``https://api.twilio.com`` is replaced by ``TWILIO_API_URL``."""

        def __init__(self) -> None:
            super().__init__(logging.getLogger("notifications.outbound"), is_async=False)

        def request(
            self,
            method: str,
            uri: str,
            params: dict[str, object] | None = None,
            data: dict[str, object] | None = None,
            headers: dict[str, str] | None = None,
            auth: tuple[str, str] | None = None,
            timeout: float | None = None,
            allow_redirects: bool = False,
        ) -> Any:
            if method.upper() != "POST":
                raise requests.RefusedURL(uri, f"{method} is not allowed by the outbound policy")
            base = str(notifications_settings.TWILIO_API_URL).rstrip("/")
            parts = urlsplit(uri)
            url = f"{base}{parts.path}" + (f"?{urlencode(params, doseq=True)}" if params else "")
            sent = {
                **{k: v for k, v in (headers or {}).items() if k.lower() != "content-type"},
                "Content-Type": "application/x-www-form-urlencoded",
            }
            if auth is not None:
                token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
                sent["Authorization"] = f"Basic {token}"
            body = urlencode(data or {}, doseq=True).encode()
            answer = requests.post(url, content=body, headers=sent)
            return Response(answer.status, answer.body.decode("utf-8", "replace"), answer.headers)

    return PolicyHttpClient()


class TwilioProvider(BaseSMSProvider):
    """SMS through Twilio's Messages API."""

    def is_available(self) -> bool:
        """On when the ``twilio`` extra is installed and the three settings are set."""
        settings = notifications_settings
        return twilio_installed() and all(
            (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM)
        )

    def send(self, to: str, body: str) -> Outcome:
        """Create one message; the outcome of Twilio's answer."""
        from twilio.base.exceptions import TwilioRestException
        from twilio.rest import Client

        settings = notifications_settings
        client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=policy_http_client(),
        )
        sender = str(settings.TWILIO_FROM)
        origin = {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
        where = f"sms to …{to[-4:]}"
        try:
            client.messages.create(to=to, body=body, **origin)
        except requests.RefusedURL as error:
            return Failed(f"{where}: refused: {error.reason}", retry=False)
        except requests.OutboundError as error:
            return Failed(f"{where}: {error}", retry=True)
        except TwilioRestException as error:
            if error.code == OPTED_OUT:
                return Skipped("opted out at the provider (21610)")
            detail = f"{where}: {error.status} {error.code or ''}".rstrip()
            return Failed(detail, retry=posting.is_transient(error.status))
        return Sent()
