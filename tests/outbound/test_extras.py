"""A channel whose extra is not installed is unavailable, never an error (``installed``)."""

from __future__ import annotations

from notifications.outbound.base import installed


def test_a_submodule_of_a_missing_package_is_not_installed() -> None:
    # find_spec("google.oauth2") without any "google" package raises instead of
    # answering None: a project without the fcm extra must still send.
    assert installed("no_such_package_here.oauth2", "httpcore") is False


def test_installed_modules_are_installed() -> None:
    assert installed("json", "email.mime") is True
