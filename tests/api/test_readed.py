"""The ``readed`` query parameter of the list: true, false, a timestamp, or a 400."""

from __future__ import annotations

import datetime

import pytest

from notifications.models import Notification

UTC = datetime.UTC


@pytest.fixture
def three(ann, send):
    """Ann's notifications: unread, read at 10:00 UTC and read at 12:00:00.5 UTC (15 Jan 2026)."""
    for title in ["unread", "early", "late"]:
        send([ann], title=title)
    rows = {n.event.title: n for n in Notification.objects.filter(user=ann).select_related("event")}
    Notification.objects.filter(pk=rows["early"].pk).update(
        readed=datetime.datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    )
    Notification.objects.filter(pk=rows["late"].pk).update(
        readed=datetime.datetime(2026, 1, 15, 12, 0, 0, 500000, tzinfo=UTC)
    )
    return rows


def titles(client, url, readed):
    response = client.get(url, {"readed": readed})
    assert response.status_code == 200, response.content
    return [r["event"]["title"] for r in response.json()["results"]]


def test_true_and_false(urls, ann_client, three):
    assert titles(ann_client, urls.list, "true") == ["late", "early"]
    assert titles(ann_client, urls.list, "false") == ["unread"]


def test_empty_is_the_same_as_none(urls, ann_client, three):
    assert titles(ann_client, urls.list, "") == ["late", "early", "unread"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-15T10:00:00Z", ["late", "early"]),  # at or after: inclusive
        ("2026-01-15T10:00:01Z", ["late"]),
        ("2026-01-15T12:00:00.5Z", ["late"]),  # fractions
        ("2026-01-15T12:00:00.500001Z", []),
        ("2026-01-15T12:00:00.4+00:00", ["late"]),
        ("2026-01-15T11:00:00+01:00", ["late", "early"]),  # an offset: 10:00 UTC
        ("2026-01-15T11:00:01+01:00", ["late"]),
        ("2026-01-15T05:00:00-05:00", ["late", "early"]),
        ("2026-01-15T10:00:00", ["late", "early"]),  # naive = TIME_ZONE (UTC here)
        ("2026-01-15T10:00:01", ["late"]),
        ("2026-01-16T00:00:00Z", []),
    ],
)
def test_timestamps(urls, ann_client, three, value, expected):
    assert titles(ann_client, urls.list, value) == expected


def test_naive_timestamp_is_in_the_project_time_zone(urls, ann_client, three, settings):
    settings.TIME_ZONE = "Europe/Paris"  # UTC+1 in January

    assert titles(ann_client, urls.list, "2026-01-15T11:00:00") == ["late", "early"]
    assert titles(ann_client, urls.list, "2026-01-15T11:00:01") == ["late"]
    assert titles(ann_client, urls.list, "2026-01-15T13:00:00.5") == ["late"]
    assert titles(ann_client, urls.list, "2026-01-15T13:00:01") == []


def test_combines_with_pagination(urls, ann_client, three):
    body = ann_client.get(urls.list, {"readed": "true", "limit": 1}).json()

    assert body["count"] == 2
    assert [r["event"]["title"] for r in body["results"]] == ["late"]
    assert "readed=true" in body["next"]


@pytest.mark.parametrize(
    "value",
    [
        "True",
        "FALSE",
        "1",
        "0",
        "yes",
        "2026-11-24",
        "2026-11-24 10:15:00",
        "2026-11-24T10:15",
        "2026-13-01T00:00:00",
        "2026-11-24T25:00:00Z",
        "2026-11-24T10:15:00+25:00",
        "garbage",
        "null",
        "\x00",
    ],
)
def test_anything_else_is_a_400_naming_readed(urls, ann_client, three, value):
    response = ann_client.get(urls.list, {"readed": value})

    assert response.status_code == 400
    body = response.json()
    assert "readed" in body
    assert "readed" in str(body["readed"])


@pytest.mark.parametrize(
    ("time_zone", "value"),
    [
        ("Europe/Paris", "0001-01-01T00:00:00"),
        ("UTC", "9999-12-31T23:59:59-05:00"),
        ("America/New_York", "9999-12-31T23:59:59"),
    ],
)
def test_overflow_converting_to_utc_is_a_400_not_a_500(
    urls, ann_client, three, settings, time_zone, value
):
    settings.TIME_ZONE = time_zone

    response = ann_client.get(urls.list, {"readed": value})

    assert response.status_code == 400
    assert "readed" in response.json()


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_extreme_but_valid_timestamps(urls, ann_client, three, value):
    expected = ["late", "early"] if value.startswith("0001") else []

    assert titles(ann_client, urls.list, value) == expected
