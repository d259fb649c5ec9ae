"""The OpenAPI 3 schema: generated without warnings, accurate, and real answers validate."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from notifications.helpers import send_notification
from notifications.models import Notification
from tests.servers import EXAMPLE
from tests.support import client_for

ROOT = Path(__file__).resolve().parent.parent.parent


def generate(form: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The schema of URL form ``form`` ("seed"/"include") and the generator's warnings."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.schema.generate", form],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    return output["schema"], output["problems"]


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema: ``nullable: true`` also allows ``null``."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def response_validator(
    schema: dict[str, Any], path_key: str, method: str, status: int
) -> jsonschema.Draft202012Validator:
    """A validator of the JSON body the schema documents for that operation and status."""
    documented = schema["paths"][path_key][method.lower()]["responses"][str(status)]
    body = documented["content"]["application/json"]["schema"]
    root = {**_json_schema(copy.deepcopy(body)), "components": _json_schema(schema["components"])}
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())


def operations(schema: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (METHOD, path) of the schema."""
    return {
        (method.upper(), path_key)
        for path_key, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


LIST, DETAIL = "/api/notifications/", "/api/notifications/{notification_id}"
FILTER = "/api/notifications/filter"
INCLUDE_OPERATIONS = {
    ("GET", LIST),
    ("PATCH", LIST),
    ("GET", DETAIL),
    ("PATCH", DETAIL),
    ("DELETE", DETAIL),
    ("GET", FILTER),
    ("PATCH", FILTER),
    ("GET", "/api/notifications/unread-count"),
    ("POST", "/api/notifications/read-all"),
    ("GET", "/api/notifications/types"),
    # The inbox states (seen, archive).
    ("POST", "/api/notifications/seen-all"),
    ("POST", "/api/notifications/archive"),
    ("POST", "/api/notifications/unarchive"),
    ("POST", "/api/notifications/{notification_id}/archive"),
    ("POST", "/api/notifications/{notification_id}/unarchive"),
    ("GET", "/api/notifications/preferences"),
    ("PATCH", "/api/notifications/preferences"),
    ("GET", "/api/notifications/push/key"),
    ("POST", "/api/notifications/push/subscriptions"),
    ("DELETE", "/api/notifications/push/subscriptions"),
    # Snooze and quiet hours (docs/escalation.md).
    ("POST", "/api/notifications/{notification_id}/snooze"),
    ("GET", "/api/notifications/quiet-hours"),
    ("PATCH", "/api/notifications/quiet-hours"),
    ("GET", "/api/notifications/devices"),
    ("POST", "/api/notifications/devices"),
    ("DELETE", "/api/notifications/devices"),
    ("GET", "/api/notifications/subscriptions"),
    ("POST", "/api/notifications/subscriptions"),
    ("DELETE", "/api/notifications/subscriptions"),
    ("POST", "/api/notifications/subscriptions/mute"),
    ("DELETE", "/api/notifications/subscriptions/mute"),
}
SEED_OPERATIONS = {
    ("GET", "/notifications"),
    ("PATCH", "/notifications"),
    ("GET", "/notifications{notification_id}"),
    ("PATCH", "/notifications{notification_id}"),
    ("DELETE", "/notifications{notification_id}"),
    ("GET", "/notifications/filter"),
    ("PATCH", "/notifications/filter"),
}


def test_demo_schema_command_validates_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--format",
            "openapi-json",
            "--file",
            str(out),
        ],
        cwd=EXAMPLE,
        env={"DEMO_DB_PATH": str(tmp_path / "unused.sqlite3"), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert operations(json.loads(out.read_text())) == INCLUDE_OPERATIONS


@pytest.mark.parametrize(
    ("form", "expected"),
    [("seed", SEED_OPERATIONS), ("include", INCLUDE_OPERATIONS)],
)
def test_both_url_forms_generate_without_warnings(form: str, expected: Any) -> None:
    schema, problems = generate(form)
    assert problems == {}
    assert operations(schema) == expected
    ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    generated, problems = generate("include")
    assert problems == {}
    return generated


def _params(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in operation.get("parameters", [])}


def test_list_query_parameters(schema: dict[str, Any]) -> None:
    get = schema["paths"][LIST]["get"]
    params = _params(get)
    assert set(params) == {
        "limit",
        "offset",
        "readed",
        "after_id",
        "type",
        "seen",
        "archived",
        "target",
        "with",
    }
    assert params["with"]["schema"] == {"type": "string", "enum": ["", "target_muted"]}
    assert params["limit"]["schema"]["type"] == "integer"
    assert params["after_id"]["schema"] == {
        "type": "integer",
        "format": "int64",
        "minimum": 0,
        "maximum": 2**63 - 1,
    }
    readed = params["readed"]["schema"]["oneOf"]
    assert {"type": "string", "enum": ["", "true", "false"]} in readed
    assert {"type": "string", "format": "date-time"} in readed
    assert params["type"]["schema"]["type"] == "array"
    assert params["type"]["explode"] is False
    ok = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/PaginatedNotificationList"}


def test_batch_patch_is_a_required_array_of_integers(schema: dict[str, Any]) -> None:
    patch = schema["paths"][LIST]["patch"]
    assert "parameters" not in patch  # no filters nor pagination on the batch
    body = patch["requestBody"]
    assert body["required"] is True
    array = body["content"]["application/json"]["schema"]
    assert array["type"] == "array"
    assert array["items"]["type"] == "integer"
    ok = patch["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}}
    assert {"400", "401", "403", "413", "415"} <= set(patch["responses"])


def test_detail_operations(schema: dict[str, Any]) -> None:
    item = schema["paths"][DETAIL]
    assert item["delete"]["responses"]["204"] == {"description": "No response body"}
    body = item["patch"]["requestBody"]
    assert body.get("required", False) is False  # no body marks read
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    readed = schema["components"]["schemas"][ref]["properties"]["readed"]
    allowed = [
        value
        for option in readed["oneOf"]
        for value in schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]["enum"]
    ]
    assert sorted(allowed, key=str) == [None, True]
    for method in ("get", "patch", "delete"):
        assert "404" in item[method]["responses"]
        assert _params(item[method])["notification_id"]["schema"]["minimum"] == 0


def test_filter_body_requires_declared_type_names(schema: dict[str, Any]) -> None:
    body = schema["paths"][FILTER]["patch"]["requestBody"]["content"]["application/json"]
    component = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert component["required"] == ["event_types"]
    items = component["properties"]["event_types"]["items"]
    enum_ref = items["allOf"][0]["$ref"] if "allOf" in items else items["$ref"]
    names = schema["components"]["schemas"][enum_ref.rsplit("/", 1)[1]]["enum"]
    assert names == ["post_like", "post_comment"]  # tests.settings.EVENTS, in order


def test_notification_component_requires_every_key(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert set(components["Notification"]["required"]) == {
        "id",
        "user",
        "readed",
        "event",
        "seen",
        "archived",
        "group",
        "count",
        "authors",
    }
    assert set(components["Event"]["required"]) == {
        "id",
        "timestamp",
        "author",
        "type",
        "title",
        "message",
        "data",
        "target",
        "expires",
        "url",
    }
    assert set(components["EventType"]["required"]) == {"id", "name", "title", "description"}


def _check(schema: dict[str, Any], path_key: str, method: str, response: Any) -> None:
    validator = response_validator(schema, path_key, method, response.status_code)
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert errors == [], (method, path_key, response.status_code, response.content)


def test_real_answers_validate_against_the_schema(
    schema: dict[str, Any], ann: Any, bob: Any, settings: Any
) -> None:
    send_notification(type="post_like", title="Liked", data={"post": 7}, users=[ann], author=bob)
    send_notification(type="post_comment", title="Comment", message="Hi", users=[ann, bob])
    mine = list(Notification.objects.filter(user=ann).values_list("pk", flat=True))
    bobs = Notification.objects.get(user=bob).pk
    client = client_for(ann)
    base = "/api/notifications/"

    answers = [
        (LIST, "get", client.get(base)),
        (LIST, "get", client.get(base, {"readed": "false", "type": "post_like"})),
        (LIST, "get", client.get(base, {"after_id": mine[0]})),
        (LIST, "get", client.get(base, {"readed": "yesterday"})),
        (LIST, "patch", client.patch(base, [*mine, bobs], format="json")),
        (LIST, "patch", client.patch(base, {"ids": mine}, format="json")),
        (DETAIL, "get", client.get(f"{base}{mine[0]}")),
        (DETAIL, "patch", client.patch(f"{base}{mine[0]}", {"readed": None}, format="json")),
        (DETAIL, "patch", client.patch(f"{base}{mine[0]}")),
        (DETAIL, "patch", client.patch(f"{base}{mine[0]}", {"readed": False}, format="json")),
        (FILTER, "get", client.get(f"{base}filter")),
        (FILTER, "patch", client.patch(f"{base}filter", {"event_types": []}, format="json")),
        (FILTER, "patch", client.patch(f"{base}filter", {"event_types": ["x"]}, format="json")),
        ("/api/notifications/unread-count", "get", client.get(f"{base}unread-count")),
        ("/api/notifications/read-all", "post", client.post(f"{base}read-all")),
        ("/api/notifications/types", "get", client.get(f"{base}types")),
        (LIST, "get", client_for(bob).__class__().get(base)),  # anonymous
    ]
    settings.NOTIFICATIONS = {"MAX_BODY_BYTES": 100}
    answers.append((LIST, "patch", client.patch(base, list(range(100)), format="json")))

    statuses = [response.status_code for _, _, response in answers]
    assert statuses == [200, 200, 200, 400, 200, 400, 200, 200, 200, 400] + [200] * 2 + [
        400,
        200,
        200,
        200,
        403,
        413,
    ]
    for path_key, method, response in answers:
        _check(schema, path_key, method, response)
    assert client.delete(f"{base}{mine[0]}").status_code == 204
    assert client.get(f"{base}{mine[0]}").status_code == 404


def test_the_validator_is_not_vacuous(schema: dict[str, Any]) -> None:
    validator = response_validator(schema, DETAIL, "get", 200)
    good = {
        "id": 1,
        "user": 2,
        "readed": None,
        "event": {
            "id": 3,
            "timestamp": "2026-11-24T10:14:59Z",
            "author": None,
            "type": {"id": 1, "name": "post_like", "title": "Post liking", "description": None},
            "title": "t",
            "message": None,
            "data": None,
            "target": {"type": "blog.post", "id": "7"},
            "expires": None,
            "url": None,
        },
        "seen": None,
        "archived": None,
        "group": "post:7:likes",
        "count": 2,
        "authors": [{"id": 9, "name": "ann"}],
    }
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({k: v for k, v in good.items() if k != "readed"}))
    assert list(validator.iter_errors({**good, "user": "2"}))
