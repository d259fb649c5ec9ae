"""send_notification fuzzed with any text (surrogates and NUL included) and any JSON-like data.

Each call either raises the package's ``InvalidNotification`` and writes
nothing, or writes the Event with exactly the data given: never a database
error, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.exceptions import InvalidNotification
from notifications.helpers import send_notification
from notifications.models import Event
from notifications.validation import UNSTORABLE

# Every code point, surrogates and NUL included (Hypothesis leaves surrogates out by default).
ANY_CHAR = st.characters(codec=None, categories=None)
TEXT = st.text(ANY_CHAR, max_size=20) | st.sampled_from(["\x00", "\ud800", "ok", "x" * 300])
DATA = st.recursive(
    # No floats: jsonb stores numbers as numeric, so a large float reads back an int.
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=12,
)


def storable(value: Any) -> bool:
    if isinstance(value, str):
        return UNSTORABLE.search(value) is None
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable(item) for item in value)
    return True


@pytest.mark.django_db
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=TEXT, message=st.none() | TEXT, key=st.none() | TEXT, data=DATA)
def test_a_send_stores_its_arguments_or_raises_invalid_notification(
    ann: Any, title: str, message: str | None, key: str | None, data: Any
) -> None:
    before = Event.objects.count()
    valid = (
        storable([title, message, key, data])
        and 0 < len(title) <= 255
        and (key is None or 0 < len(key) <= 255)
    )
    earlier = None
    if valid and key is not None:
        earlier = Event.objects.filter(key=key).values_list("pk", flat=True).first()
    try:
        event = send_notification(
            type="post_like", title=title, message=message, key=key, data=data, users=[ann]
        )
    except InvalidNotification:
        assert not valid
        assert Event.objects.count() == before
        return
    assert valid
    if earlier is not None:  # the key was used by an earlier example: idempotent
        assert event.pk == earlier
        return
    stored = Event.objects.get(pk=event.pk)
    assert (stored.title, stored.message, stored.key) == (title, message, key)
    assert stored.data == data
