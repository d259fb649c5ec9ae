"""Hostile input that plain DRF answers with a 500 gets a 4xx (or a plain 200) here."""

from __future__ import annotations

import pytest

from notifications.models import ExcludedEventType, Notification

DEEP = "[" * 100_000 + "]" * 100_000
# Deep enough to overflow Python's recursion limit, small enough for MAX_BODY_BYTES.
DEEP_SMALL = "[" * 20_000 + "]" * 20_000
DEEP_OBJECT = '{"event_types":' * 10_000 + "[]" + "}" * 10_000


@pytest.fixture
def one(ann, send):
    send([ann])
    return Notification.objects.get(user=ann).pk


@pytest.mark.parametrize(
    ("body", "status"),
    [(DEEP, 413), (DEEP_SMALL, 400), (DEEP_OBJECT, 413)],
    ids=["100k-over-the-size-limit", "20k", "object-over-the-size-limit"],
)
def test_deeply_nested_json(urls, ann_client, one, body, status):
    targets = [urls.list, urls.detail(one), urls.filter]

    for url in targets:
        response = ann_client.patch(url, body, content_type="application/json")
        assert response.status_code == status, (url, response.status_code)
        assert "detail" in response.json()
    assert Notification.objects.get(pk=one).readed is None
    assert not ExcludedEventType.objects.exists()


def test_nested_json_within_the_size_limit_is_a_400(urls, ann_client, one):
    response = ann_client.patch(urls.list, DEEP_SMALL, content_type="application/json")

    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_oversized_body_is_a_413(urls, ann_client, one, settings):
    settings.NOTIFICATIONS = {"MAX_BODY_BYTES": 100}

    response = ann_client.patch(urls.list, list(range(100)), format="json")

    assert response.status_code == 413


@pytest.mark.parametrize(
    ("params", "listed"),
    [
        ({"limit": str(2**64)}, True),
        ({"limit": str(2**63)}, True),
        ({"limit": "9" * 40}, True),
        ({"offset": str(2**64)}, False),
        ({"offset": str(2**63 - 1)}, False),
        ({"offset": "9" * 40}, False),
        ({"limit": str(2**70), "offset": str(2**70)}, False),
        ({"limit": "-1", "offset": "-5"}, True),
        ({"limit": "x", "offset": "y"}, True),
    ],
)
def test_huge_limit_and_offset(urls, ann_client, one, params, listed):
    response = ann_client.get(urls.list, params)

    # docs/api.md: invalid or huge values fall back or cap as in DRF, never an error.
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == ([one] if listed else [])
    assert body["next"] is None


def test_huge_limit_is_capped(urls, ann_client, one):
    body = ann_client.get(urls.list, {"limit": str(2**64)}).json()

    assert [r["id"] for r in body["results"]] == [one]


@pytest.mark.parametrize("suffix", [str(2**63), str(2**64), "9" * 40])
def test_detail_id_beyond_64_bits_is_a_404(urls, ann_client, one, suffix):
    for method in ["get", "patch", "delete"]:
        response = getattr(ann_client, method)(urls.detail(suffix))
        assert response.status_code == 404, (method, response.status_code)


def test_largest_64_bit_id_is_a_404(urls, ann_client, one):
    assert ann_client.get(urls.detail(2**63 - 1)).status_code == 404


@pytest.mark.parametrize(
    ("time_zone", "value"),
    [("Europe/Paris", "0001-01-01T00:00:00"), ("UTC", "9999-12-31T23:59:59-05:00")],
)
def test_readed_overflow(urls, ann_client, one, settings, time_zone, value):
    settings.TIME_ZONE = time_zone

    response = ann_client.get(urls.list, {"readed": value})

    assert response.status_code == 400
    assert "readed" in response.json()


@pytest.mark.parametrize("body", ["NaN", "[NaN]", "[Infinity]", "[1e999]", "\xff", ""])
def test_odd_json_in_the_batch(urls, ann_client, one, body):
    response = ann_client.patch(urls.list, body.encode("latin-1"), content_type="application/json")

    assert response.status_code == 400


def test_after_id_beyond_64_bits(urls, ann_client, one):
    assert ann_client.get(urls.list, {"after_id": str(2**64)}).status_code == 400


def test_form_encoded_body_is_a_415(urls, ann_client, one):
    response = ann_client.patch(
        urls.list, "ids=1", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert Notification.objects.get(pk=one).readed is None
