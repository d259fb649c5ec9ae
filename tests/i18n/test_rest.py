"""One send, each reader's language over REST: the hook, then the request, then LANGUAGE_CODE."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from notifications.helpers import send_notification
from notifications.i18n import gettext_lazy, pgettext_lazy
from notifications.models import Event
from tests.i18n.conftest import MESSAGES
from tests.support import client_for

pytestmark = pytest.mark.django_db


def first_event(client: Any, path: str = "/notifications", **headers: Any) -> dict[str, Any]:
    response = client.get(path, **headers)
    assert response.status_code == 200, response.content
    event: dict[str, Any] = response.json()["results"][0]["event"]
    return event


def test_one_send_reads_in_each_recipients_language(
    like: Callable[..., Event], ann: Any, bob: Any
) -> None:
    like([ann, bob], author=ann)

    english, polish = first_event(client_for(ann)), first_event(client_for(bob))

    assert (english["title"], english["message"]) == ("ann liked your post", "Post: Cats")
    assert (polish["title"], polish["message"]) == ("ann polubił(a) Twój wpis", "Wpis: Cats")


def test_the_event_is_stored_once_with_its_message_ids(
    like: Callable[..., Event], ann: Any, bob: Any
) -> None:
    event = like([ann, bob], author=bob, post="Dogs")

    stored = Event.objects.get(pk=event.pk)
    assert stored.title == "bob liked your post"  # in LANGUAGE_CODE, for what reads the column
    assert stored.text["title"]["id"] == "%(author)s liked your post"
    assert stored.text["params"] == {"post": "Dogs"}


def test_the_wire_carries_the_message_ids_and_the_language(
    like: Callable[..., Event], ann: Any, bob: Any
) -> None:
    like([bob], author=ann)

    text = first_event(client_for(bob))["text"]

    assert text["title"] == {"id": "%(author)s liked your post"}
    assert text["grouped"] == {
        "id": "%(author)s and %(others)d other liked your post",
        "plural": "%(author)s and %(others)d others liked your post",
        "number": "others",
    }
    assert text["params"] == {"post": "Cats"}
    assert text["language"] == "pl"


def test_a_literal_title_is_untouched_and_has_no_text_field(languages: None, bob: Any) -> None:
    send_notification(type="post_like", title="Ann liked your post", users=[bob])

    event = first_event(client_for(bob))

    assert event["title"] == "Ann liked your post"
    assert "text" not in event


def test_an_unknown_language_falls_back_to_language_code(
    like: Callable[..., Event], ann: Any, zed: Any
) -> None:
    like([zed], author=ann)

    assert first_event(client_for(zed))["title"] == "ann liked your post"


@pytest.mark.parametrize(
    ("n", "polish"),
    [
        (1, "Masz 1 nową wiadomość"),
        (2, "Masz 2 nowe wiadomości"),
        (5, "Masz 5 nowych wiadomości"),
        (22, "Masz 22 nowe wiadomości"),
    ],
)
def test_polish_plural_forms(languages: None, bob: Any, n: int, polish: str) -> None:
    send_notification(type="post_like", title=MESSAGES, params={"n": n}, users=[bob])

    assert first_event(client_for(bob))["title"] == polish


@pytest.mark.parametrize(
    ("n", "english"), [(1, "You have 1 new message"), (22, "You have 22 new messages")]
)
def test_english_plural_forms(languages: None, ann: Any, n: int, english: str) -> None:
    send_notification(type="post_like", title=MESSAGES, params={"n": n}, users=[ann])

    assert first_event(client_for(ann))["title"] == english


@pytest.mark.parametrize(
    ("likes", "english", "polish"),
    [
        (2, "ann and 1 other liked your post", "ann i 1 inna osoba polubili Twój wpis"),
        (3, "ann and 2 others liked your post", "ann i 2 inne osoby polubili Twój wpis"),
        (6, "ann and 5 others liked your post", "ann i 5 innych osób polubiło Twój wpis"),
        (23, "ann and 22 others liked your post", "ann i 22 inne osoby polubili Twój wpis"),
    ],
)
def test_grouped_rows_pluralise_in_each_language(
    like: Callable[..., Event],
    crowd: Callable[[int], list[Any]],
    ann: Any,
    bob: Any,
    make_user: Callable[..., Any],
    likes: int,
    english: str,
    polish: str,
) -> None:
    reader_en, reader_pl = ann, bob
    for author in crowd(likes - 1):
        like([reader_en, reader_pl], author=author, group="post-7")
    like([reader_en, reader_pl], author=ann, group="post-7")

    for reader, expected in ((reader_en, english), (reader_pl, polish)):
        response = client_for(reader).get("/notifications")
        (row,) = response.json()["results"]
        assert (row["count"], row["event"]["title"]) == (likes, expected)


def test_the_orm_path_renders_like_the_plain_rows(
    like: Callable[..., Event], ann: Any, bob: Any, crowd: Callable[[int], list[Any]]
) -> None:
    for author in crowd(4):
        like([bob], author=author, group="post-7")
    like([bob], author=ann)
    client = client_for(bob)

    plain = client.get("/notifications").json()["results"]
    # A cursor page is served by the QuerySet and the serializer, not the plain rows.
    orm = client.get("/notifications?cursor=").json()["results"]

    assert [row["event"]["title"] for row in plain] == [
        "ann polubił(a) Twój wpis",
        "crowd3 i 3 inne osoby polubili Twój wpis",
    ]
    assert orm == plain


def test_without_the_hook_the_request_language_decides(
    settings: Any, like: Callable[..., Event], ann: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "USER_LANGUAGE": None}
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:1],
        "django.middleware.locale.LocaleMiddleware",
        *settings.MIDDLEWARE[1:],
    ]
    like([ann], author=ann)
    client = client_for(ann)

    polish = client.get("/notifications", HTTP_ACCEPT_LANGUAGE="pl")
    english = client.get("/notifications", HTTP_ACCEPT_LANGUAGE="en")
    neither = client.get("/notifications")

    assert polish.json()["results"][0]["event"]["title"] == "ann polubił(a) Twój wpis"
    assert polish.headers["Content-Language"] == "pl"
    assert english.json()["results"][0]["event"]["title"] == "ann liked your post"
    assert neither.json()["results"][0]["event"]["title"] == "ann liked your post"


def test_the_hook_wins_over_the_request_language(
    settings: Any, like: Callable[..., Event], ann: Any
) -> None:
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:1],
        "django.middleware.locale.LocaleMiddleware",
        *settings.MIDDLEWARE[1:],
    ]
    like([ann], author=ann)

    response = client_for(ann).get("/notifications", HTTP_ACCEPT_LANGUAGE="pl")

    assert response.json()["results"][0]["event"]["title"] == "ann liked your post"


def test_a_context_picks_its_translation(languages: None, ann: Any, bob: Any) -> None:
    send_notification(type="post_like", title=pgettext_lazy("greeting", "Welcome"), users=[bob])

    assert first_event(client_for(bob))["title"] == "Witaj"
    assert first_event(client_for(bob))["text"]["title"]["context"] == "greeting"


def test_marking_read_answers_in_the_readers_language(
    like: Callable[..., Event], ann: Any, bob: Any
) -> None:
    like([bob], author=ann)
    client = client_for(bob)
    row = client.get("/notifications").json()["results"][0]

    detail = client.patch(f"/notifications{row['id']}")
    batch = client.patch("/notifications", [row["id"]], format="json")

    assert detail.json()["event"]["title"] == "ann polubił(a) Twój wpis"
    assert batch.json()[0]["event"]["title"] == "ann polubił(a) Twój wpis"


def test_a_translation_that_does_not_fit_falls_back_to_the_message_id(
    languages: None, bob: Any
) -> None:
    # The Polish catalogue's entry names a parameter the send does not have.
    send_notification(
        type="post_like",
        title=gettext_lazy("%(name)s commented"),
        params={"name": "Ann"},
        users=[bob],
    )

    assert first_event(client_for(bob))["title"] == "Ann commented"


def test_the_reader_language_does_not_leak_into_the_next_request(
    settings: Any, like: Callable[..., Event], ann: Any, bob: Any
) -> None:
    like([ann, bob], author=ann)
    first_event(client_for(bob))  # Polish

    from django.utils import translation

    assert translation.get_language() != "pl"


def test_translatable_rows_match_the_openapi_schema(
    like: Callable[..., Event], ann: Any, bob: Any, crowd: Callable[[int], list[Any]]
) -> None:
    from tests.schema.test_schema import LIST, generate, response_validator

    for author in crowd(2):
        like([bob], author=author, group="post-7")
    send_notification(
        type="post_like", title=pgettext_lazy("greeting", "Welcome"), users=[bob], params={}
    )
    schema, problems = generate("include")
    assert problems == {}
    body = client_for(bob).get("/api/notifications/").json()

    assert list(response_validator(schema, LIST, "get", 200).iter_errors(body)) == []
    assert {"text"} <= set(body["results"][0]["event"])
