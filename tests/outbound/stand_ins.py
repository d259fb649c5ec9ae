"""Local stand-ins on 127.0.0.1 for the webhook and chat services, speaking their wire format.

One server answers as each service does, and checks what it receives:

- ``/hooks/<name>``: a Standard Webhooks receiver; every request's signature is
  verified with :data:`SECRET` by ``standardwebhooks`` (a bad one answers 401
  and is reported in ``errors``);
- ``/slack/<kind>/<n>``: a Slack incoming webhook (``{"text"}``; 200 ``ok``);
- ``/api/chat.postMessage``: Slack's Web API (Bearer :data:`SLACK_TOKEN`,
  ``{"channel", "text"}``; 200 ``{"ok": true}`` or ``{"ok": false, "error"}``);
- ``/teams/<kind>/<n>``: a Teams Workflows webhook (an Adaptive Card; 202);
- ``/discord/<kind>/<n>``: a Discord webhook (``content``, no mentions; 204);
- ``/oauth/token``: Google's OAuth2 token endpoint: verifies the service
  account's RS256 JWT assertion (:meth:`StandIn.service_account` makes one),
  answers an access token;
- ``/v1/projects/<id>/messages:send``: FCM HTTP v1: the Bearer must be a token
  it issued (else 401), the message must have FCM's shape; the kind is the
  device token's prefix (``ok-1``); ``missing`` answers 404 ``UNREGISTERED``;
- ``/2010-04-01/Accounts/<sid>/Messages.json``: Twilio's Messages API: basic
  auth :data:`TWILIO_SID`/:data:`TWILIO_TOKEN`, form fields ``To``, ``Body``
  and ``From`` or ``MessagingServiceSid``; the kind is ``kinds[To]``
  (``optout`` answers Twilio's 21610).

The kind decides the answer (for webhooks, ``kinds[user id]``; for Slack
direct messages, ``kinds[member id]``): ``ok``, ``bad`` 400, ``missing`` 404,
``gone`` 410, ``busy`` 429, ``broken`` 500; ``flaky`` answers 503 once,
``slow`` sleeps past the client's deadline once, ``close`` closes the
connection without an answer once; each then answers like ``ok``.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from standardwebhooks.webhooks import Webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SLACK_TOKEN = "xoxb-test-token"
TWILIO_SID = "AC00000000000000000000000000000001"
TWILIO_TOKEN = "twilio-test-token"
ANSWERS = {"bad": 400, "missing": 404, "gone": 410, "busy": 429, "broken": 500}
ONCE = {"flaky", "slow", "close"}
#: How long ``slow`` sleeps the first time (tests set OUTBOUND_TIMEOUT below it).
SLOW = 1.5
SLACK_ERRORS = {
    "bad": "channel_not_found",
    "missing": "user_not_found",
    "gone": "account_inactive",
    "busy": "ratelimited",
    "broken": "internal_error",
}

#: user pk -> the Slack member id / the phone number; (channel, user pk) -> a webhook URL.
members: dict[Any, str] = {}
phones: dict[Any, str] = {}
user_urls: dict[tuple[str, Any], str] = {}


def slack_member(user: Any) -> str | None:
    """``NOTIFICATIONS["SLACK_USER_ID"]`` of the tests."""
    return members.get(user.pk)


def phone_number(user: Any) -> str | None:
    """``NOTIFICATIONS["SMS_PHONE_NUMBER"]`` of the tests."""
    return phones.get(user.pk)


def teams_webhook(user: Any) -> str | None:
    """``NOTIFICATIONS["TEAMS_USER_WEBHOOK_URL"]`` of the tests."""
    return user_urls.get(("teams", user.pk))


def discord_webhook(user: Any) -> str | None:
    """``NOTIFICATIONS["DISCORD_USER_WEBHOOK_URL"]`` of the tests."""
    return user_urls.get(("discord", user.pk))


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any  # the JSON
    key: str  # who it was for: the user id (webhooks), the member id (Slack) or the path
    status: int = 0


@dataclass
class StandIn:
    """The running server: what it received and accepted, and the kinds the tests set."""

    origin: str = ""
    received: list[Received] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    attempts: Counter[str] = field(default_factory=Counter)
    #: FCM: the service account's public key, and the access tokens issued.
    account_key: Any = None
    tokens: list[str] = field(default_factory=list)

    def service_account(self, project: str = "demo-project") -> dict[str, Any]:
        """A service account's JSON whose token_uri is this stand-in."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.account_key = key.public_key()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "project_id": project,
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": f"push@{project}.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": f"{self.origin}/oauth/token",
        }

    def grant(self, raw: bytes) -> dict[str, Any]:
        """The token endpoint: check the JWT-bearer grant's RS256 signature and claims."""
        form = urllib.parse.parse_qs(raw.decode())
        assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
        head, claims, signature = form["assertion"][0].split(".")
        self.account_key.verify(
            unb64url(signature),
            f"{head}.{claims}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        payload = json.loads(unb64url(claims))
        assert payload["aud"] == "https://oauth2.googleapis.com/token"  # what Google checks
        assert payload["iss"].endswith(".iam.gserviceaccount.com")
        assert "https://www.googleapis.com/auth/firebase.messaging" in payload["scope"]
        token = f"ya29.{secrets.token_urlsafe(16)}"
        self.tokens.append(token)
        return {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]

    def for_key(self, key: Any) -> list[Received]:
        return [r for r in self.accepted if r.key == str(key)]

    def url(self, service: str, kind: str, n: Any) -> str:
        return f"{self.origin}/{service}/{kind}/{n}"

    def examine(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[str, str]:
        """Check the request as the real service would; return (key, kind)."""
        service = path.split("/")[1]
        if service == "oauth":
            return "token", "token"
        if service == "2010-04-01":
            assert path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
            auth = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
            assert headers["authorization"] == f"Basic {auth}"
            assert headers["content-type"] == "application/x-www-form-urlencoded"
            form = {k: v for k, (v,) in urllib.parse.parse_qs(raw.decode()).items()}
            assert set(form) in ({"To", "Body", "From"}, {"To", "Body", "MessagingServiceSid"})
            return form["To"], self.kinds.get(form["To"], "ok")
        body = json.loads(raw)
        if service == "v1":
            assert path.startswith("/v1/projects/demo-project/messages:send")
            if headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
                return "", "unauthenticated"
            message = body["message"]
            assert set(message) == {"token", "notification", "data", "android", "apns"}
            assert isinstance(message["notification"]["title"], str)
            assert all(isinstance(v, str) for v in message["data"].values())
            badge = message["apns"]["payload"]["aps"]["badge"]
            assert message["android"]["notification"]["notification_count"] == badge
            return message["token"], message["token"].split("-")[0]
        if service == "hooks":
            Webhook(SECRET).verify(raw, headers)  # raises when the signature is wrong
            assert body["type"] == "notification.created"
            key = str(body["data"]["user"])
            return key, self.kinds.get(key, "ok")
        if service == "api":
            assert path == "/api/chat.postMessage"
            assert headers["authorization"] == f"Bearer {SLACK_TOKEN}"
            assert isinstance(body["text"], str)
            assert body["text"]
            key = body["channel"]
            return key, self.kinds.get(key, "ok")
        if service == "slack":
            assert isinstance(body["text"], str)
            assert body["text"]
        elif service == "teams":
            (card,) = body["attachments"]
            assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
            assert card["content"]["type"] == "AdaptiveCard"
            assert all(block["type"] == "TextBlock" for block in card["content"]["body"])
        elif service == "discord":
            assert isinstance(body["content"], str)
            assert 0 < len(body["content"]) <= 2000
            assert body["allowed_mentions"] == {"parse": []}
        else:
            raise AssertionError(f"unknown service {service}")
        return path, path.split("/")[2]


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


FCM_ERRORS = {
    "bad": (400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"),
    "missing": (404, "NOT_FOUND", "UNREGISTERED"),
    "gone": (410, "NOT_FOUND", "UNREGISTERED"),
    "busy": (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"),
    "broken": (500, "INTERNAL", "INTERNAL"),
    "unauthenticated": (401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"),
}


TWILIO_ERRORS = {
    "optout": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "bad": (400, 21211, "Invalid 'To' Phone Number"),
    "missing": (404, 20404, "The requested resource was not found"),
    "busy": (429, 20429, "Too Many Requests"),
    "broken": (500, 20500, "Internal Server Error"),
}


def answer(service: str, kind: str) -> tuple[int, bytes]:
    if service == "2010-04-01":
        if kind in TWILIO_ERRORS:
            status, code, text = TWILIO_ERRORS[kind]
            error = {"code": code, "message": text, "status": status, "more_info": ""}
            return status, json.dumps(error).encode()
        return 201, b'{"sid":"SM0001","status":"queued"}'
    if service == "v1":
        if kind in FCM_ERRORS:
            code, status, error_code = FCM_ERRORS[kind]
            detail = {
                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": error_code,
            }
            error = {"code": code, "message": kind, "status": status, "details": [detail]}
            return code, json.dumps({"error": error}).encode()
        return 200, b'{"name":"projects/demo-project/messages/0:1"}'
    if service == "api":
        if kind in SLACK_ERRORS:
            status = 429 if kind == "busy" else 200
            return status, json.dumps({"ok": False, "error": SLACK_ERRORS[kind]}).encode()
        return 200, b'{"ok":true,"channel":"D1","ts":"1.2"}'
    if kind in ANSWERS:
        return ANSWERS[kind], b"invalid_payload" if service == "slack" else b""
    return {"slack": 200, "teams": 202, "discord": 204, "hooks": 204}[service], (
        b"ok" if service == "slack" else b""
    )


def parse(raw: bytes) -> Any:
    """A JSON body, or a form (Twilio) as a dict."""
    try:
        return json.loads(raw)
    except ValueError:
        return {k: v for k, (v,) in urllib.parse.parse_qs(raw.decode()).items()}


@contextmanager
def stand_in(port: int = 0) -> Iterator[StandIn]:
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                key, kind = state.examine(self.path, headers, raw)
            except Exception as error:  # the request is malformed: report it, refuse it
                state.errors.append(f"{self.path}: {error!r}")
                self.reply(401 if self.path.startswith("/hooks/") else 400, b"")
                return
            service = self.path.split("/")[1]
            if service == "oauth":
                try:
                    self.reply(200, json.dumps(state.grant(raw)).encode())
                except Exception as error:
                    state.errors.append(f"token: {error!r}")
                    self.reply(400, b'{"error":"invalid_grant"}')
                return
            attempt = state.attempts[f"{self.path} {key}"]
            state.attempts[f"{self.path} {key}"] += 1
            record = Received(self.path.split("?")[0], headers, parse(raw), key)
            state.received.append(record)
            if kind in ONCE and attempt == 0:
                if kind == "flaky":
                    record.status = 503
                    self.reply(503, b"")
                elif kind == "slow":
                    time.sleep(SLOW)
                    record.status = -1  # the client gave up before this answer
                    self.reply(200, b"")
                else:  # close: no answer at all
                    record.status = -1
                    self.close_connection = True
                return
            status, body = answer(service, "ok" if kind in ONCE else kind)
            record.status = status
            self.reply(status, body)

        def reply(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    state.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        members.clear()
        phones.clear()
        user_urls.clear()


def main() -> None:
    """``python -m tests.outbound.stand_ins [PORT]``: serve the stand-ins for local development.

    Prints each request it accepts; writes ``stand-in-service-account.json`` (an
    FCM service account whose token endpoint is this server) to the current
    directory. See docs/channels.md, "Try the channels locally".
    """
    import sys
    from pathlib import Path

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    with stand_in(port) as state:
        print(f"stand-ins on {state.origin} -- see docs/channels.md")
        account = state.service_account()
        Path("stand-in-service-account.json").write_text(json.dumps(account, indent=2))
        print("wrote stand-in-service-account.json (FCM_CREDENTIALS)")
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                for request in state.received[seen:]:
                    print(request.status, request.path, json.dumps(request.body)[:300])
                seen = len(state.received)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
