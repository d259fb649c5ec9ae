"""Generate the package's OpenAPI schema (in a process with drf-spectacular configured)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema

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
