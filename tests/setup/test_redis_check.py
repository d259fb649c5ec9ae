"""notifications.W003 flags a channels_redis layer without what redis-py 8 needs."""

import pytest
from django.test import override_settings

from notifications.checks import check_redis_layer


def layer(*hosts: object) -> dict[str, object]:
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": list(hosts)},
        }
    }


@pytest.mark.parametrize(
    ("hosts", "missing"),
    [
        (["redis://127.0.0.1:6379/0"], "max_connections and socket_timeout"),
        ([{"address": "redis://127.0.0.1:6379/0", "max_connections": 1000}], "socket_timeout"),
    ],
)
def test_hosts_without_pool_size_or_timeout_are_flagged(hosts: list, missing: str) -> None:
    with override_settings(CHANNEL_LAYERS=layer(*hosts)):
        (warning,) = check_redis_layer()
    assert warning.id == "notifications.W003"
    assert missing in warning.msg
    assert "socket_timeout" in warning.hint


def test_complete_hosts_and_other_layers_pass() -> None:
    host = {"address": "redis://127.0.0.1:6379/0", "max_connections": 1000, "socket_timeout": 10}
    with override_settings(CHANNEL_LAYERS=layer(host)):
        assert check_redis_layer() == []
    memory = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    with override_settings(CHANNEL_LAYERS=memory):
        assert check_redis_layer() == []
