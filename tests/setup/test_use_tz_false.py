"""With USE_TZ = False the package still works (with a warning), and never answers 500."""

from django.test import override_settings

from notifications.checks import check_time_zone
from notifications.helpers import send_notification


def test_use_tz_false_is_flagged() -> None:
    with override_settings(USE_TZ=False):
        (warning,) = check_time_zone()
    assert warning.id == "notifications.W004"
    assert check_time_zone() == []


def test_readed_timestamp_filter_works_without_time_zones(ann, ann_client) -> None:
    with override_settings(USE_TZ=False):
        send_notification("post_like", "Hi", None, [ann])
        (row,) = ann_client.get("/notifications").json()["results"]
        ann_client.patch(f"/notifications{row['id']}")
        for value in ("2000-01-01T00:00:00", "2000-01-01T00:00:00Z", "2999-01-01T00:00:00+02:00"):
            response = ann_client.get("/notifications", {"readed": value})
            assert response.status_code == 200, response.content
        assert (
            ann_client.get("/notifications", {"readed": "2000-01-01T00:00:00"}).json()["count"] == 1
        )
        assert (
            ann_client.get("/notifications", {"readed": "2999-01-01T00:00:00"}).json()["count"] == 0
        )
