"""A Web Push service on loopback that decrypts what it receives (RFC 8291) and checks VAPID.

Paths decide the answer, as real push services do: ``/ok/...`` 201, ``/gone/...`` 410,
``/missing/...`` 404, ``/broken/...`` 500, ``/busy/...`` 429, ``/bad/...`` 400.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

ANSWERS = {"ok": 201, "gone": 410, "missing": 404, "broken": 500, "busy": 429, "bad": 400}
#: Kinds that answer 503 to their first push, then 201.
FLAKY = "flaky"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's subscription keys, as ``PushManager.subscribe()`` makes them."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def to_json(self) -> dict[str, Any]:
        """``PushSubscription.toJSON()``."""
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    payload: Any  # the decrypted JSON
    claims: dict[str, Any]  # the VAPID JWT's claims, signature verified
    vapid_key: str  # the "k" of the Authorization header


class PushService:
    """The server; ``browser(kind)`` makes a subscription whose pushes it decrypts."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        #: The paths of the pushes answered with a 2xx, in order.
        self.accepted: list[str] = []
        self.errors: list[str] = []
        self._browsers: dict[str, Browser] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    service.receive(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body
                    )
                except Exception as error:  # report to the test, answer like a push service
                    service.errors.append(f"{self.path}: {error!r}")
                    self.send_response(400)
                else:
                    kind = self.path.split("/")[1]
                    status = ANSWERS.get(kind, 201)
                    if kind == FLAKY:
                        first = [r.path for r in service.received].count(self.path) == 1
                        status = 503 if first else 201
                    service.accepted.extend([self.path] if status < 300 else [])
                    self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def browser(self, kind: str = "ok") -> Browser:
        browser = Browser(f"{self.origin}/{kind}/{len(self._browsers)}")
        self._browsers[browser.endpoint.removeprefix(self.origin)] = browser
        return browser

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> None:
        browser = self._browsers[path]
        assert headers["content-encoding"] == "aes128gcm"
        scheme, _, params = headers["authorization"].partition(" ")
        assert scheme == "vapid"
        parts = dict(part.split("=", 1) for part in params.split(","))
        assert Vapid02.verify(headers["authorization"]), "VAPID signature does not verify"
        claims = json.loads(unb64url(parts["t"].split(".")[1]))
        plain = http_ece.decrypt(
            body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
        )
        self.received.append(
            Received(path, headers, json.loads(plain), claims, vapid_key=parts["k"])
        )


@contextmanager
def push_service() -> Iterator[PushService]:
    service = PushService()
    thread = threading.Thread(target=service.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        service.server.shutdown()
        service.server.server_close()
        thread.join(5)
