"""Each body and query parameter is validated once, by its serializer; the services trust it."""

from __future__ import annotations

from notifications import services
from notifications.models import EventType


def test_the_filter_body_names_every_unknown_type(ann_client):
    response = ann_client.patch(
        "/notifications/filter", {"event_types": ["nope", "post_like", "zip"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"event_types": ["Unknown or removed event type: 'nope', 'zip'."]}


def test_a_type_removed_after_validation_selects_nothing(ann):
    EventType.objects.filter(name="post_comment").update(is_active=False)

    received = services.set_received_types(ann, ["post_like", "post_comment"])

    assert [t.name for t in received] == ["post_like"]
    assert [t.name for t in services.received_types(ann)] == ["post_like"]


def test_read_all_type_parameter_refuses_nul(ann_client):
    response = ann_client.post("/api/notifications/read-all?type=post_like%00")

    assert response.status_code == 400
    assert response.json() == {"type": ["Null characters are not allowed."]}


def test_read_all_with_only_commas_marks_nothing(ann_client, ann):
    services.send_notification(type="post_like", title="Hi", users=[ann])

    response = ann_client.post("/api/notifications/read-all?type=,")

    assert response.json() == {"updated": 0, "unread": 1}
