"""CSRF: session-authenticated unsafe requests need the token; token-authenticated ones do not."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.helpers import send_notification
from notifications.models import Notification
from tests.support import FORMS, Form, calls, snapshot

pytestmark = pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)

SECRET = "a" * 32  # a CSRF secret, as the csrftoken cookie carries it


@pytest.fixture
def mine(ann: Any) -> int:
    send_notification(type="post_like", title="for ann", users=[ann])
    return Notification.objects.get(user=ann).pk


def _session_client(user: Any) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_unsafe_methods_without_csrf_token_are_refused(form: Form, ann: Any, mine: int) -> None:
    client = _session_client(ann)
    before = snapshot()
    for call in calls(form, mine):
        response = call.send(client)
        if call.method == "GET":
            assert response.status_code == 200, call
            continue
        assert response.status_code == 403, (call, response.status_code)
        assert "CSRF" in response.json()["detail"]
    assert snapshot() == before


def test_wrong_csrf_token_is_refused(form: Form, ann: Any, mine: int) -> None:
    client = _session_client(ann)
    client.cookies[settings.CSRF_COOKIE_NAME] = SECRET
    before = snapshot()
    response = client.patch(form.list, [mine], format="json", HTTP_X_CSRFTOKEN="b" * 32)
    assert response.status_code == 403
    assert snapshot() == before


def test_unsafe_methods_with_the_csrf_token_work(form: Form, ann: Any, mine: int) -> None:
    client = _session_client(ann)
    client.cookies[settings.CSRF_COOKIE_NAME] = SECRET
    expected = {"GET": 200, "PATCH": 200, "POST": 200, "DELETE": 204}
    for call in calls(form, mine):
        response = call.send(client, HTTP_X_CSRFTOKEN=SECRET)
        assert response.status_code == expected[call.method], (call, response.content)


def test_token_authentication_needs_no_csrf_token(form: Form, ann: Any, mine: int) -> None:
    token = Token.objects.create(user=ann)
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    expected = {"GET": 200, "PATCH": 200, "POST": 200, "DELETE": 204}
    for call in calls(form, mine):
        response = call.send(client)
        assert response.status_code == expected[call.method], (call, response.content)
    assert not Notification.objects.filter(pk=mine).exists()
