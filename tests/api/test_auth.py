"""Only authenticated users reach the API, whatever the project's default permissions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.models import ExcludedEventType, Notification
from tests.api.support import INCLUDE, SEED, ids_of

ADDITIONS = [
    ("get", "/api/notifications/unread-count", None),
    ("post", "/api/notifications/read-all", None),
    ("get", "/api/notifications/types", None),
]


def endpoints(notification_id: int) -> list[tuple[str, str, object]]:
    """(method, path, body) of every endpoint, under both URL forms."""
    found: list[tuple[str, str, object]] = []
    for urls in (SEED, INCLUDE):
        found += [
            ("get", urls.list, None),
            ("patch", urls.list, [notification_id]),
            ("get", urls.detail(notification_id), None),
            ("patch", urls.detail(notification_id), None),
            ("delete", urls.detail(notification_id), None),
            ("get", urls.filter, None),
            ("patch", urls.filter, {"event_types": []}),
        ]
    return found + ADDITIONS


def call(client: APIClient, method: str, path: str, body: object):
    """Send one request, JSON-encoding the body if there is one."""
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, body, format="json")


def assert_every_endpoint_refuses(client: APIClient, ann) -> None:
    notification_id = ids_of(ann)[0]
    for method, path, body in endpoints(notification_id):
        response = call(client, method, path, body)
        assert response.status_code in {401, 403}, (method, path, response.status_code)
        assert "detail" in response.json()
    # Nothing was read, deleted or filtered on the way.
    assert Notification.objects.get(pk=notification_id).readed is None
    assert not ExcludedEventType.objects.exists()


def test_anonymous_is_refused_everywhere(ann, send):
    send([ann])

    assert_every_endpoint_refuses(APIClient(), ann)


def test_views_enforce_authentication_even_with_allow_any():
    # DRF binds DEFAULT_PERMISSION_CLASSES when the view classes are created, so a
    # project that sets AllowAny is only seen by a fresh process.
    script = Path(__file__).with_name("allow_any_project.py")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(statuses) == 17
    assert {tuple(s) for s in statuses.values()} <= {(401, True, False), (403, True, False)}


def test_bad_token_is_refused(ann, send):
    send([ann])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    assert client.get(SEED.list).status_code in {401, 403}


@pytest.mark.parametrize("urls", [SEED, INCLUDE], ids=["seed", "include"])
def test_token_authentication_works(urls, ann, bob, send):
    send([ann, bob])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=ann).key}")

    listed = client.get(urls.list)
    notification_id = listed.json()["results"][0]["id"]
    marked = client.patch(urls.list, [notification_id], format="json")
    one = client.patch(urls.detail(notification_id))
    filtered = client.patch(urls.filter, {"event_types": ["post_like"]}, format="json")
    deleted = client.delete(urls.detail(notification_id))

    assert listed.status_code == 200
    assert [r["user"] for r in listed.json()["results"]] == [ann.pk]
    assert marked.status_code == 200
    assert one.status_code == 200
    assert filtered.status_code == 200
    assert deleted.status_code == 204
    assert not Notification.objects.filter(user=ann).exists()
    assert Notification.objects.filter(user=bob).count() == 1


def test_session_users_only_see_their_own(ann, bob, bob_client, send):
    send([ann])

    assert bob_client.get(SEED.list).json()["count"] == 0
    assert bob_client.get(INCLUDE.list).json()["count"] == 0
