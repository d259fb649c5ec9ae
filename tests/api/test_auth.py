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
from tests.support import FORMS, INCLUDE, SEED, calls, ids_of

ROOT = Path(__file__).resolve().parents[2]
#: Session authentication comes first in tests/settings.py, so anonymous gets 403 (docs/api.md).
ANONYMOUS = 403


def assert_every_endpoint_refuses(client: APIClient, ann) -> None:
    notification_id = ids_of(ann)[0]
    for form in FORMS:
        for call in calls(form, notification_id):
            response = call.send(client)
            assert response.status_code == ANONYMOUS, (call, response.status_code)
            assert "detail" in response.json()
    # Nothing was read, deleted or filtered on the way.
    assert Notification.objects.get(pk=notification_id).readed is None
    assert not ExcludedEventType.objects.exists()


def test_anonymous_is_refused_everywhere(ann, send):
    send([ann])

    assert_every_endpoint_refuses(APIClient(), ann)


@pytest.mark.parametrize(("order", "status"), [("session-first", 403), ("token-first", 401)])
def test_views_enforce_authentication_even_with_allow_any(order, status):
    # DRF binds DEFAULT_PERMISSION_CLASSES when the view classes are created, so a
    # project that sets AllowAny is only seen by a fresh process. Anonymous gets 403
    # with session authentication first and 401 with token first (docs/api.md).
    result = subprocess.run(
        [sys.executable, "-m", "tests.api.allow_any_project", order],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    statuses = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(statuses) == 19  # every endpoint and method of both URL forms
    assert {tuple(s) for s in statuses.values()} == {(status, True, False)}


def test_bad_token_is_refused(ann, send):
    send([ann])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    assert client.get(SEED.list).status_code == ANONYMOUS


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
