"""Where a notification leads: ``url=`` on the send, or the target's get_absolute_url()."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from notifications.exceptions import InvalidNotification
from notifications.models import Event, Notification
from notifications.testing import pushes_for
from tests.support import INCLUDE


def test_url_is_in_the_rest_json_and_in_the_frame(ann, ann_client, send, outbox, committed):
    with committed():
        send([ann], url="/posts/7#comment-42")
        send([ann], title="elsewhere", url="https://example.com/a?b=c")
        send([ann], title="nowhere")

    results = ann_client.get(INCLUDE.list).json()["results"]

    assert [item["event"]["url"] for item in results] == [
        None,
        "https://example.com/a?b=c",
        "/posts/7#comment-42",
    ]
    frames = [frame["notification"]["event"]["url"] for frame in pushes_for(ann)]
    assert frames == ["/posts/7#comment-42", "https://example.com/a?b=c", None]
    detail = ann_client.get(INCLUDE.detail(results[2]["id"])).json()
    assert detail["event"]["url"] == "/posts/7#comment-42"


def test_the_targets_absolute_url_is_the_default(ann, ann_client, send):
    post = Group.objects.create(name="post 7")
    post.get_absolute_url = lambda: f"/posts/{post.pk}"  # any model with the method
    send([ann], target=post)
    send([ann], title="explicit wins", target=post, url="/elsewhere")
    send([ann], title="no method", target=Group.objects.create(name="plain"))

    urls = [item["event"]["url"] for item in ann_client.get(INCLUDE.list).json()["results"]]

    assert urls == [None, "/elsewhere", f"/posts/{post.pk}"]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "//evil.example/x",
        "posts/7",
        "ftp://example.com/x",
        "https:///nohost",
        "/a b",
        "/a\nb",
        "",
        "/" + "x" * 2048,
        7,
    ],
)
def test_a_url_that_is_not_a_link_is_refused_before_any_write(ann, send, url):
    with pytest.raises(InvalidNotification, match="url"):
        send([ann], url=url)

    assert not Event.objects.exists()
    assert not Notification.objects.exists()
