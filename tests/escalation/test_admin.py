"""The admin: quiet hours validated as on REST; each step's record listed with its state."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from notifications.helpers import send_notification
from notifications.models import QuietHours

pytestmark = pytest.mark.usefixtures("escalation_settings")

ADD = "/admin/notifications/quiethours/add/"


@pytest.fixture
def admin(make_user: Any) -> Client:
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def form(user: Any, zone: str) -> dict[str, Any]:
    return {"user": user.pk, "time_zone": zone, "start": "22:00", "end": "07:00", "enabled": "on"}


def test_an_unknown_time_zone_is_refused_naming_it(admin: Client, make_user: Any) -> None:
    ann = make_user("ann")
    response = admin.post(ADD, form(ann, "Mars/Olympus_Mons"))
    assert response.status_code == 200
    assert "Mars/Olympus_Mons" in response.content.decode()
    assert not QuietHours.objects.exists()


def test_quiet_hours_are_added_and_listed(admin: Client, make_user: Any) -> None:
    ann = make_user("ann")
    assert admin.post(ADD, form(ann, "Europe/Paris")).status_code == 302
    page = admin.get("/admin/notifications/quiethours/")
    assert "Europe/Paris" in page.content.decode()


def test_scheduled_steps_are_listed_and_filtered(
    admin: Client, make_user: Any, committed: Any
) -> None:
    ann = make_user("ann")
    with committed():
        send_notification(type="alert", title="Later", users=[ann])
    page = admin.get("/admin/notifications/delivery/", {"status__exact": "scheduled"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert (
        admin.get("/admin/notifications/delivery/", {"status__exact": "cancelled"})
        .context["cl"]
        .result_count
        == 0
    )
