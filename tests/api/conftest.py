"""Fixtures of the REST tests: each test runs under both URL forms of API.md."""

from __future__ import annotations

import pytest

from tests.support import FORMS, Form


@pytest.fixture(params=FORMS, ids=[form.name for form in FORMS])
def urls(request: pytest.FixtureRequest) -> Form:
    """The paths of one URL form: the seed's explicit one or ``include()``."""
    form: Form = request.param
    return form
