"""The admin: the send page, searches, the read-state filter, changelists without N+1."""

from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from notifications.models import Event, EventType, ExcludedEventType, Notification
from notifications.testing import pushes_for

SEND = "/admin/notifications/event/send/"


@pytest.fixture
def root(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin(root):
    client = Client()
    client.force_login(root)
    return client


def login_of(user):
    return getattr(user, get_user_model().USERNAME_FIELD)


def post(admin, **fields):
    form = {"type": "post_like", "title": "Hello", "audience": "users", **fields}
    return admin.post(SEND, form)


# The send page


def test_the_send_page_renders_with_the_sendable_types(admin):
    response = admin.get(SEND)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="post_like"' in page
    assert 'value="post_comment"' in page
    assert 'name="audience"' in page
    assert 'name="groups"' in page
    if django_admin.site.is_registered(get_user_model()):
        assert 'id="lookup_id_users"' in page  # the magnifier opens the user picker


def test_the_changelist_links_to_it_and_add_leads_there(admin):
    assert SEND in admin.get("/admin/notifications/event/").content.decode()

    response = admin.get("/admin/notifications/event/add/")

    assert response.status_code == 302
    assert response["Location"] == SEND


def test_send_to_chosen_users(admin, root, ann, bob, make_user, outbox, committed):
    carol = make_user("carol")

    with committed():
        response = post(
            admin,
            users=f"{ann.pk}, {bob.pk}",
            message="Body",
            data='{"post": 7}',
        )

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/admin/notifications/event/"
    assert (event.type.name, event.title, event.message, event.data) == (
        "post_like",
        "Hello",
        "Body",
        {"post": 7},
    )
    assert event.author_id == root.pk
    assert event.notifications_count == 2
    assert set(Notification.objects.values_list("user_id", flat=True)) == {ann.pk, bob.pk}
    assert [f["action"] for f in pushes_for(ann)] == ["new"]
    assert pushes_for(carol) == []
    messages = [str(m) for m in admin.get(response["Location"]).context["messages"]]
    assert messages == [f"Sent event #{event.pk}: 2 notifications created."]


def test_the_admin_index_and_the_event_page_render(admin, ann):
    post(admin, users=str(ann.pk), key="k1")
    event = Event.objects.get()

    assert admin.get("/admin/").status_code == 200
    page = admin.get(f"/admin/notifications/event/{event.pk}/change/")
    assert page.status_code == 200
    assert {"notifications_count", "key"} <= set(page.context["adminform"].readonly_fields)


def test_the_subscription_pages_render(admin, ann, bob):
    from notifications import subscriptions

    subscriptions.subscribe(ann, bob)
    subscriptions.mute(bob, ann)

    listing = admin.get("/admin/notifications/subscription/", {"q": "ann"})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    muted = admin.get("/admin/notifications/subscription/", {"muted_at__isempty": "0"})
    assert [row.user_id for row in muted.context["cl"].result_list] == [bob.pk]


def test_empty_message_and_data_are_stored_as_null(admin, ann):
    post(admin, users=str(ann.pk), message="", data="")

    event = Event.objects.get()
    assert (event.message, event.data) == (None, None)


def test_send_to_groups(admin, ann, bob, make_user):
    carol = make_user("carol")
    editors, authors = Group.objects.create(name="editors"), Group.objects.create(name="authors")
    ann.groups.add(editors, authors)  # in both: still one notification
    bob.groups.add(authors)
    carol.groups.add(Group.objects.create(name="other"))

    response = post(admin, audience="groups", groups=[editors.pk, authors.pk])

    assert response.status_code == 302
    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted(
        [ann.pk, bob.pk]
    )


def test_send_to_everyone(admin, root, ann, bob):
    post(admin, audience="everyone")

    assert Event.objects.get().notifications_count == 3  # root, ann, bob


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"users": ""}, "users"),
        ({"users": "abc"}, "users"),
        ({"users": "999999"}, "users"),
        ({"users": "1" * 30}, "users"),
        ({"audience": "groups"}, "groups"),
        ({"data": "{not json"}, "data"),
        ({"type": "nope"}, "type"),
        ({"title": ""}, "title"),
        ({"audience": "somebody"}, "audience"),
    ],
)
def test_bad_input_shows_the_form_again(admin, ann, fields, field):
    response = post(admin, **{"users": str(ann.pk), **fields})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Event.objects.count() == 0


def test_a_repeated_key_sends_nothing_and_says_so(admin, ann):
    admin.get(post(admin, users=str(ann.pk), key="once")["Location"])  # reads the first message

    response = post(admin, users=str(ann.pk), key="once", title="again")

    assert Event.objects.count() == 1
    assert Notification.objects.count() == 1
    messages = [str(m) for m in admin.get(response["Location"]).context["messages"]]
    assert messages == ["An event of type post_like with key 'once' exists: nothing was sent."]


def test_staff_without_the_add_permission_cannot_send(make_user, ann):
    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_event"))
    client = Client()
    client.force_login(clerk)

    assert client.get(SEND).status_code == 403
    assert client.post(SEND, {"title": "x", "audience": "everyone"}).status_code == 403
    assert Event.objects.count() == 0


def test_anonymous_is_sent_to_the_login_page(db):
    response = Client().get(SEND)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# Searching and filtering notifications


@pytest.fixture
def inbox(ann, bob, send):
    send([ann, bob], type="post_like", title="like")
    send([ann], type="post_comment", title="comment")
    row = Notification.objects.get(user=ann, event__type__name="post_like")
    Notification.objects.filter(pk=row.pk).update(readed=row.event.timestamp)


def listed(admin, **params):
    response = admin.get("/admin/notifications/notification/", params)
    assert response.status_code == 200
    return sorted(
        (login_of(row.user), row.event.title) for row in response.context["cl"].result_list
    )


def test_search_by_user(admin, ann, inbox):
    assert listed(admin, q=login_of(ann)) == [(login_of(ann), "comment"), (login_of(ann), "like")]


def test_search_by_type(admin, ann, inbox):
    assert listed(admin, q="post_comment") == [(login_of(ann), "comment")]


def test_filter_by_read_state(admin, ann, bob, inbox):
    assert listed(admin, read="yes") == [(login_of(ann), "like")]
    assert listed(admin, read="no") == [(login_of(ann), "comment"), (login_of(bob), "like")]


# Changelists without N+1 queries


CHANGELISTS = [
    "/admin/notifications/notification/",
    "/admin/notifications/event/",
    "/admin/notifications/eventtype/",
    "/admin/notifications/excludedeventtype/",
]


def add_rows(make_user, author, count, start):
    """``count`` users, each with an event by ``author``, a notification and an exclusion."""
    like = EventType.objects.get(name="post_like")
    for i in range(start, start + count):
        user = make_user(f"user{i}")
        event = Event.objects.create(type=like, title=f"e{i}", author=author)
        Notification.objects.create(user=user, event=event)
        ExcludedEventType.objects.create(user=user, event_type=like)


@pytest.mark.parametrize("url", CHANGELISTS)
def test_changelists_cost_the_same_for_3_or_30_rows(admin, root, make_user, url):
    add_rows(make_user, root, 3, 0)
    with CaptureQueriesContext(connection) as few:
        assert admin.get(url).status_code == 200
    add_rows(make_user, root, 27, 3)
    with CaptureQueriesContext(connection) as many:
        response = admin.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count >= (2 if "eventtype/" in url else 30)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
