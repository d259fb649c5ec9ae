"""The one outbound-request policy: every request to a URL a user or an admin supplied.

Web Push endpoints use it today; webhooks, chat destinations and base-URL
overrides of other channels use the same two functions:

- :func:`check_url` at registration: raises :class:`RefusedURL` for a URL the
  server must never request. A name that does not resolve at that moment is
  kept (it is checked again at send time).
- :func:`post` at send time: resolves the host once, refuses it when **any**
  address is not public, connects to one of the vetted addresses (TLS is
  verified against the name; DNS rebinding between the check and the connect
  cannot happen because nothing resolves again), never follows a redirect,
  enforces one total deadline on connect, TLS, request and the whole response,
  and reads at most ``OUTBOUND_MAX_RESPONSE_BYTES`` of the body.

The rules: ``https`` only; no userinfo (``user:pw@``); no address that is
loopback, private, link-local, unique-local, multicast, reserved, unspecified,
or IPv4-mapped/compatible/6to4/Teredo/NAT64 into one of those. Settings
(``NOTIFICATIONS``): ``OUTBOUND_TIMEOUT``, ``OUTBOUND_MAX_RESPONSE_BYTES``,
``OUTBOUND_RESOLVER`` (the DNS seam) and ``OUTBOUND_UNSAFE_ALLOW`` (networks
let through, plain http included: for tests and development only; ``check
--deploy`` warns when it is set).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from notifications.conf import notifications_settings
from notifications.exceptions import NotificationsError

if TYPE_CHECKING:
    import ssl

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]


class RefusedURL(NotificationsError, ValueError):
    """The policy forbids requesting ``url`` (``reason`` says why); final, never retried."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{reason}: {url[:200]!r}")


class OutboundError(NotificationsError, OSError):
    """The request could not be completed (DNS, connection, TLS, protocol); worth a retry."""


class DeadlineExceeded(OutboundError, TimeoutError):
    """The request did not complete within ``OUTBOUND_TIMEOUT`` seconds; worth a retry."""


@dataclass(frozen=True)
class OutboundResponse:
    """What came back: the status, the headers (lower-case names) and at most the bounded body."""

    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool


def system_resolver(host: str, port: int) -> list[str]:
    """The default resolver: every address ``getaddrinfo`` returns for ``host`` (TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def resolver() -> Resolver:
    """``NOTIFICATIONS["OUTBOUND_RESOLVER"]`` (a dotted path), or :func:`system_resolver`.

    The seam for tests that must simulate DNS (a name that resolves to a public
    address at registration and to a private one at send time).
    """
    found: Resolver | None = notifications_settings.imported("OUTBOUND_RESOLVER")
    return found or system_resolver


def unsafe_networks() -> list[Network]:
    """The networks of ``OUTBOUND_UNSAFE_ALLOW`` (tests and development only)."""
    return [
        ipaddress.ip_network(n, strict=False) for n in notifications_settings.OUTBOUND_UNSAFE_ALLOW
    ]


NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]
UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


def _embedded(address: Address) -> list[Address]:
    # The IPv4 address an IPv6 one carries (mapped, compatible, 6to4, Teredo, NAT64), if any.
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found: list[Address] = []
    if any(address in network for network in NAT64):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    if int(address) >> 32 == 0 and int(address) > 1:  # ::a.b.c.d, IPv4-compatible
        found.append(ipaddress.IPv4Address(int(address)))
    return found


def address_problem(address: Address) -> str | None:
    """Why the server must not connect to ``address``; None when it is a public address.

    An IPv4 address carried inside an IPv6 one (mapped, 6to4, Teredo, NAT64) is
    judged first: it is where the connection really goes, and its name is the
    same on every Python (3.13 also calls 2002::/16 itself private).
    """
    for candidate in [*_embedded(address), address]:
        if isinstance(candidate, ipaddress.IPv6Address) and candidate in UNIQUE_LOCAL:
            return f"unique-local address {candidate}"
        for attribute in (
            "is_loopback",
            "is_link_local",
            "is_multicast",
            "is_unspecified",
            "is_reserved",
            "is_site_local",
            "is_private",
        ):
            if getattr(candidate, attribute, False):
                kind = attribute.removeprefix("is_").replace("_", "-")
                return f"{kind} address {candidate}"
        if not candidate.is_global:
            return f"non-public address {candidate}"
    return None


def _allowed(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def parse_url(url: str) -> tuple[SplitResult, str, int]:
    """The parts, host and port of ``url``; :class:`RefusedURL` for a scheme or userinfo it forbids.

    No DNS: the rules that hold whatever the host resolves to.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise RefusedURL(url, "not a valid URL") from error
    if parts.scheme not in {"https", "http"}:
        raise RefusedURL(url, "only https URLs are allowed")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise RefusedURL(url, "credentials (user:password@) are not allowed in the URL")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise RefusedURL(url, "the URL has no host")
    return parts, host, port or (443 if parts.scheme == "https" else 80)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def vet(url: str, addresses: Sequence[str]) -> list[Address]:
    """Check ``url``'s resolved ``addresses``; return them, or raise :class:`RefusedURL`.

    Every address must be public (or inside ``OUTBOUND_UNSAFE_ALLOW``); plain
    http only when every address is inside ``OUTBOUND_UNSAFE_ALLOW``.
    """
    parts, _, _ = parse_url(url)
    networks = unsafe_networks()
    parsed: list[Address] = []
    for text in addresses:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError as error:
            raise RefusedURL(url, f"unusable address {text!r}") from error
        if not _allowed(address, networks) and (problem := address_problem(address)):
            raise RefusedURL(url, f"the host resolves to a {problem}")
        parsed.append(address)
    if not parsed:
        raise RefusedURL(url, "the host has no address")
    if parts.scheme != "https" and not all(_allowed(a, networks) for a in parsed):
        raise RefusedURL(url, "only https URLs are allowed")
    return parsed


def check_url(url: str, *, resolve_names: bool = True) -> str:
    """Raise :class:`RefusedURL` when the server must never request ``url``; return it.

    For registration (subscribe time): an IP literal is checked as is, a name
    is resolved and every address checked; a name that does not resolve now is
    accepted (:func:`post` checks again on the connection it makes). With
    ``resolve_names=False`` names are not looked up (no DNS: only literals).
    """
    _, host, port = parse_url(url)
    if not resolve_names and _literal(host) is None and not host.endswith(".localhost"):
        return url
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        return url  # does not resolve now: kept, checked again at send time
    if addresses:
        vet(url, addresses)
    return url


def resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host``: itself for an IP literal, loopback for ``*.localhost``
    (RFC 6761), else what :func:`resolver` answers. Raises ``OSError`` when it does not resolve.
    """
    literal = _literal(host)
    if literal is not None:
        return [str(literal)]
    if host.endswith(".localhost"):
        return ["127.0.0.1"]
    return list(resolver()(host, port))


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("no complete answer within the request's deadline")
        return left


def _backend(deadline: _Deadline, url: str) -> Any:
    import httpcore

    class DeadlineStream(httpcore.NetworkStream):
        """Every socket operation waits at most what is left of the total deadline."""

        def __init__(self, inner: httpcore.NetworkStream) -> None:
            self.inner = inner

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self.inner.read(max_bytes, deadline.left())

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self.inner.write(buffer, deadline.left())

        def close(self) -> None:
            self.inner.close()

        def start_tls(
            self,
            ssl_context: ssl.SSLContext,
            server_hostname: str | None = None,
            timeout: float | None = None,
        ) -> httpcore.NetworkStream:
            return DeadlineStream(
                self.inner.start_tls(ssl_context, server_hostname, deadline.left())
            )

        def get_extra_info(self, info: str) -> Any:
            return self.inner.get_extra_info(info)

    class VettedBackend(httpcore.NetworkBackend):
        """Resolves once, refuses a non-public address, connects to the address it vetted."""

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Iterable[Any] | None = None,
        ) -> httpcore.NetworkStream:
            try:
                found = resolve(host, port)
            except (OSError, UnicodeError) as error:
                raise OutboundError(f"cannot resolve {host!r}: {error}") from error
            addresses = vet(url, found)
            plain = httpcore.SyncBackend()
            last: BaseException | None = None
            for address in addresses:
                try:
                    stream = plain.connect_tcp(
                        str(address), port, deadline.left(), local_address, socket_options
                    )
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                    last = error.__context__ or error
                    continue
                return DeadlineStream(stream)
            raise OutboundError(f"cannot connect to {host}: {last}")

    return VettedBackend()


def post(
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str],
    timeout: float | None = None,
    max_response_bytes: int | None = None,
) -> OutboundResponse:
    """POST ``content`` to ``url`` under the policy; the response is returned, never followed.

    Raises :class:`RefusedURL` (final: the URL or what its name resolves to now
    is forbidden), :class:`DeadlineExceeded` after ``timeout`` seconds in total
    (default ``OUTBOUND_TIMEOUT``) and :class:`OutboundError` for network and
    protocol failures (both worth a retry). A 3xx is returned as it is.
    """
    import httpcore

    parse_url(url)
    seconds = notifications_settings.OUTBOUND_TIMEOUT if timeout is None else timeout
    limit = (
        notifications_settings.OUTBOUND_MAX_RESPONSE_BYTES
        if max_response_bytes is None
        else max_response_bytes
    )
    deadline = _Deadline(seconds)
    body = bytearray()
    truncated = False
    try:
        with (
            httpcore.ConnectionPool(network_backend=_backend(deadline, url), retries=0) as pool,
            pool.stream(
                "POST",
                url,
                headers=[*headers.items(), ("Content-Length", str(len(content)))],
                content=content,
                extensions={
                    "timeout": dict.fromkeys(("connect", "read", "write", "pool"), seconds)
                },
            ) as response,
        ):
            for chunk in response.iter_stream():
                body += chunk
                if len(body) > limit:
                    truncated = True
                    del body[limit:]
                    break
                deadline.left()
            status = response.status
            answer = {
                name.decode("latin-1").lower(): value.decode("latin-1")
                for name, value in response.headers
            }
    except (RefusedURL, OutboundError):
        raise
    except httpcore.TimeoutException as error:
        raise DeadlineExceeded(f"no complete answer within the {seconds} s deadline") from error
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as error:
        raise OutboundError(repr(error)) from error
    except OSError as error:  # TLS verification and socket errors raised past httpcore's mapping
        raise OutboundError(repr(error)) from error
    return OutboundResponse(status, answer, bytes(body), truncated)
