"""The list's plain-rows path answers exactly what the serializers answer.

The reference is the list as plain DRF writes it: a ``ListAPIView`` with
django-filter's backend and the package's filter set, its paginator and
``NotificationSerializer`` (model instances through ``payloads.payload_for``,
the builder the socket frames use too). Every query below goes to both, in
several TIME_ZONEs, over rows of every shape the JSON can take: grouped,
targeted, archived, expiring and expired, read, seen, with and without an
author, message, data or link, and timestamps with and without microseconds. The
rendered bodies must be equal byte for byte, 400s included.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db.models.signals import post_init
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.test import APIRequestFactory, force_authenticate

from notifications import payloads, services
from notifications.api.filters import NotificationFilterSet
from notifications.api.pagination import NotificationPagination
from notifications.api.serializers import NotificationSerializer
from notifications.api.views import NotificationsAPIView, NotificationsListView
from notifications.models import Notification

PATH = "/api/notifications/"


class ReferenceFilters(DjangoFilterBackend):
    """django-filter's backend and form, with the package's rule: a repeated parameter is a 400."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        repeated = {
            name: ["Give this parameter at most once."]
            for name in NotificationFilterSet.base_filters
            if len(request.query_params.getlist(name)) > 1
        }
        if repeated:
            raise ValidationError(repeated)
        return super().filter_queryset(request, queryset, view)


class ReferenceList(NotificationsAPIView, ListAPIView):  # type: ignore[misc]
    """The list as plain DRF and django-filter write it: instances through the serializer."""

    serializer_class = NotificationSerializer
    filter_backends = [ReferenceFilters]
    filterset_class = NotificationFilterSet
    pagination_class = NotificationPagination


@pytest.fixture
def inbox(ann: Any, bob: Any, send: Any) -> dict[str, Any]:
    """Ann's rows, one of each shape."""
    later = timezone.now() + datetime.timedelta(days=3)
    send([ann], title="plain", author=bob, data={"z": 1, "a": [1.5e-07, None, "é ☃"]})
    send([ann], title="bare", message="a message", data=None, url="/posts/7#c2")
    send([ann], type="post_comment", title="group 1", group="thread", author=ann)
    send([ann], type="post_comment", title="group 2", group="thread", author=bob)
    send([ann], title="about bob", target=bob, author=bob)
    send([ann], title="expiring", expires=later, data="just text")
    send([ann], title="expired", expires=datetime.timedelta(seconds=-1))
    read = send([ann], title="read", data=[1, 2])
    archived = send([ann], title="archived", author=ann)
    send([bob], title="bob's own")
    mine = {row.event_id: row.pk for row in Notification.objects.filter(user=ann)}
    services.mark_read(ann, [mine[read.pk]])
    services.archive(ann, [mine[archived.pk]])
    services.mark_all_seen(ann)
    # A moment with no microseconds renders without a fraction.
    whole = datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC)
    Notification.objects.filter(pk=mine[read.pk]).update(readed=whole)
    label = f"{bob._meta.app_label}.{bob._meta.model_name}"
    return {"bob": bob.pk, "first": min(mine.values()), "label": label}


def rendered(view: Any, user: Any, query: str) -> tuple[int, bytes]:
    request = APIRequestFactory().get(f"{PATH}?{query}" if query else PATH)
    force_authenticate(request, user=user)
    response = view(request)
    response.render()
    return response.status_code, response.content


QUERIES = [
    "",
    "readed=false",
    "readed=true",
    "readed=",
    "readed=2026-03-29T01:30:00",
    "readed=2026-03-29T03:00:00%2B02:00",
    "seen=true",
    "seen=false",
    "archived=true",
    "archived=all",
    "archived=false",
    "type=post_comment",
    "type=post_like,post_comment",
    "type=",
    "type=post_like,",
    "target={label}:{bob}",
    "target=nothing.here:1",
    "after_id={first}",
    "after_id={first}&limit=2",
    "limit=2",
    "limit=2&offset=2",
    "limit=3&offset=1&readed=false&type=post_like",
    "offset=50",
    "limit=0",
    "limit=abc&offset=-3",
    # Bad input: the same 400s.
    "readed=yes",
    "readed=2026-02-30T00:00:00",
    "seen=maybe",
    "archived=none",
    "after_id=-1",
    "after_id=x",
    "target=bob",
    "readed=true&readed=false",
    "readed=yes&seen=maybe&type=a&type=b",
    "cursor=&offset=3",
]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe"])
def test_the_plain_rows_render_what_the_serializers_render(
    settings: Any, ann: Any, inbox: dict[str, Any], zone: str
) -> None:
    settings.TIME_ZONE = zone
    fast, reference = NotificationsListView.as_view(), ReferenceList.as_view()

    for template in QUERIES:
        query = template.format(**inbox)
        assert rendered(fast, ann, query) == rendered(reference, ann, query), query


def test_every_shape_is_in_the_inbox(ann: Any, inbox: dict[str, Any]) -> None:
    """The fixture covers the shapes the contract claims (so the equality above means it)."""
    request = APIRequestFactory().get(f"{PATH}?archived=all&limit=100")
    force_authenticate(request, user=ann)
    rows = NotificationsListView.as_view()(request).data["results"]

    assert {row["event"]["title"] for row in rows} == {
        "plain", "bare", "group 2", "about bob", "expiring", "read", "archived",
    }  # fmt: skip
    by_title = {row["event"]["title"]: row for row in rows}
    assert by_title["group 2"]["count"] == 2
    assert len(by_title["group 2"]["authors"]) == 2
    target = {"type": inbox["label"], "id": str(inbox["bob"])}
    assert by_title["about bob"]["event"]["target"] == target
    assert by_title["archived"]["archived"] is not None
    assert by_title["expiring"]["event"]["expires"] is not None
    assert by_title["read"]["readed"] == "2026-03-29T01:30:00Z"
    assert by_title["bare"]["authors"] == []
    assert by_title["bare"]["event"]["data"] is None
    assert by_title["bare"]["event"]["url"] == "/posts/7#c2"


def test_the_socket_builder_renders_the_same_rows(ann: Any, inbox: dict[str, Any]) -> None:
    """Frames carry ``payloads.payload_for``: the same JSON as the list's items."""
    request = APIRequestFactory().get(f"{PATH}?archived=all&limit=100")
    force_authenticate(request, user=ann)
    listed = NotificationsListView.as_view()(request).data["results"]

    rows = Notification.objects.for_user(ann).with_event().order_by("-delivered", "-pk")
    assert listed == [payloads.payload_for(row) for row in rows]


def test_a_page_builds_no_model_instance(ann: Any, inbox: dict[str, Any]) -> None:
    built: list[type] = []

    def count(sender: type, **kwargs: Any) -> None:
        built.append(sender)

    view = NotificationsListView.as_view()
    rendered(view, ann, "readed=false")  # compiles the shape: the ORM builds nothing either
    post_init.connect(count)
    try:
        status, _ = rendered(view, ann, "readed=false&limit=5")
    finally:
        post_init.disconnect(count)

    assert status == 200
    assert Notification not in built
