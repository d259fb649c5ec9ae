"""Request bodies: chunked ones are read (never taken as empty), big ones are a 413 JSON.

Before the fix: DRF read no body without a Content-Length, so a chunked
``{"readed": null}`` marked the notification *read*; DRF read ``request.body``
whole before the bounded parser ran (every byte up to Django's 2.5 MB), and
above that Django answered its own 400 page and logged a traceback.

The in-process tests count the bytes the view reads; the live ones send raw
chunked and oversized HTTP to uvicorn.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core.handlers.asgi import ASGIRequest
from django.test import Client
from rest_framework.test import APIRequestFactory, force_authenticate

from notifications.helpers import send_notification
from notifications.models import Notification
from notifications.views import (
    NotificationDetailView,
    NotificationFilterView,
    NotificationsListView,
)
from tests.conftest import client_for
from tests.security.live import LiveServer, live_server

LIMIT = 64 * 1024  # the default MAX_BODY_BYTES
BIG = 3 * 1024 * 1024  # above Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)


class CountingStream(io.BytesIO):
    """A request body that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def padded(body: str, size: int) -> bytes:
    return (body + " " * (size - len(body))).encode()


def asgi_request(method: str, path: str, body: CountingStream, **headers: str) -> ASGIRequest:
    """A request as Django's ASGI handler builds it for a chunked body (no Content-Length)."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [
            (b"transfer-encoding", b"chunked"),
            (b"content-type", headers.get("content_type", "application/json").encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    return ASGIRequest(scope, body)


@pytest.fixture
def read_row(ann: Any) -> Notification:
    send_notification(type="post_like", title="read", users=[ann])
    row = Notification.objects.get(user=ann)
    client_for(ann).patch(f"/notifications{row.pk}")
    row.refresh_from_db()
    assert row.readed is not None
    return row


@pytest.mark.django_db
def test_a_body_between_the_limit_and_djangos_is_refused_before_reading(ann: Any) -> None:
    stream = CountingStream(padded("[1]", 1024 * 1024))
    request = APIRequestFactory().generic(
        "PATCH",
        "/notifications",
        content_type="application/json",
        **{"wsgi.input": stream, "CONTENT_LENGTH": str(1024 * 1024)},
    )
    force_authenticate(request, ann)

    response = NotificationsListView.as_view()(request)

    assert response.status_code == 413
    assert response.data == {"detail": f"Request body larger than {LIMIT} bytes."}
    assert stream.bytes_read == 0


@pytest.mark.django_db
def test_a_chunked_body_is_read_in_bounded_steps(ann: Any) -> None:
    stream = CountingStream(padded('{"event_types": []}', 1024 * 1024))
    request = asgi_request("PATCH", "/notifications/filter", stream)
    force_authenticate(request, ann)

    response = NotificationFilterView.as_view()(request)

    assert response.status_code == 413
    assert stream.bytes_read == LIMIT + 1


@pytest.mark.django_db
def test_a_chunked_body_is_parsed_like_any_other(ann: Any, read_row: Notification) -> None:
    stream = CountingStream(b'{"readed": null}')
    request = asgi_request("PATCH", f"/notifications{read_row.pk}", stream)
    force_authenticate(request, ann)

    response = NotificationDetailView.as_view()(request, notification_id=read_row.pk)

    assert response.status_code == 200
    assert response.data["readed"] is None
    read_row.refresh_from_db()
    assert read_row.readed is None


@pytest.mark.django_db
def test_a_chunked_body_a_wsgi_server_hides_is_a_411(ann: Any, read_row: Notification) -> None:
    # Django's WSGIRequest reads no byte without a Content-Length.
    response = client_for(ann).patch(
        f"/notifications{read_row.pk}",
        b'{"readed": null}',
        content_type="application/json",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )

    assert response.status_code == 411
    assert "Content-Length" in response.json()["detail"]
    read_row.refresh_from_db()
    assert read_row.readed is not None


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/notifications", "/notifications/filter", "/notifications1"])
def test_above_djangos_limit_is_a_413_json_without_an_error_log(
    path: str, ann: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = client_for(ann).patch(path, padded("[1]", BIG), content_type="application/json")

    assert response.status_code == 413
    assert response.json() == {"detail": f"Request body larger than {LIMIT} bytes."}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status"),
    [("a=1&" * (BIG // 4), 413), ("a&" * 2000, 415)],  # too big; too many fields (Django: 1000)
    ids=["too-big", "too-many-fields"],
)
def test_a_session_post_whose_csrf_check_reads_a_form_answers_json(
    body: str, status: int, ann: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(ann)
    client.get("/admin/login/")  # a CSRF cookie

    with caplog.at_level(logging.WARNING):
        response = client.post(
            "/api/notifications/read-all",
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        )

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


# --- against uvicorn ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("bodies")) as running:
        yield running


def chunked(*parts: bytes) -> Iterator[bytes]:
    yield from parts


def send(client: httpx.Client, method: str, path: str, *parts: bytes) -> httpx.Response:
    request = client.build_request(
        method, path, content=chunked(*parts), headers={"Content-Type": "application/json"}
    )
    assert request.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in request.headers
    return client.send(request)


@pytest.mark.timeout(120)
def test_chunked_bodies_on_a_real_server(server: LiveServer) -> None:
    ann = server.client("ann")
    first, second = server.ids["ann"][:2]
    assert ann.patch(f"/notifications{first}").json()["readed"] is not None

    unread = send(ann, "PATCH", f"/notifications{first}", b'{"readed"', b": null}")
    assert unread.status_code == 200
    assert unread.json()["readed"] is None
    assert ann.get(f"/notifications{first}").json()["readed"] is None

    garbage = send(ann, "PATCH", f"/notifications{first}", b'{"readed": "garbage"}')
    assert garbage.status_code == 400
    assert list(garbage.json()) == ["readed"]
    assert ann.get(f"/notifications{first}").json()["readed"] is None

    batch = send(ann, "PATCH", "/notifications", b"[", str(second).encode(), b"]")
    assert batch.status_code == 200
    assert [row["id"] for row in batch.json()] == [second]
    assert batch.json()[0]["readed"] is not None

    saved = send(ann, "PATCH", "/notifications/filter", b'{"event_types": ["post_comment"]}')
    assert saved.json() == {"event_types": ["post_comment"]}

    huge = send(ann, "PATCH", "/notifications/filter", *[b" " * 65536] * 32)
    assert huge.status_code == 413
    assert huge.json() == {"detail": f"Request body larger than {LIMIT} bytes."}

    empty = send(ann, "PATCH", f"/notifications{first}")
    assert empty.status_code == 411
    assert ann.get(f"/notifications{first}").json()["readed"] is None

    log = server.log()
    assert "Traceback" not in log, log
    assert "ERROR" not in log, log


@pytest.mark.timeout(120)
def test_a_body_above_djangos_limit_on_a_real_server(server: LiveServer) -> None:
    ann = server.client("ann")
    for path in [
        "/notifications",
        "/notifications/filter",
        f"/notifications{server.ids['ann'][2]}",
    ]:
        response = ann.patch(
            path, content=padded("[1]", BIG), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413, (path, response.text)
        assert response.json() == {"detail": f"Request body larger than {LIMIT} bytes."}
    log = server.log()
    assert "Traceback" not in log, log
    assert "ERROR" not in log, log
