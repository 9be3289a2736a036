"""Validate API responses against the committed OpenAPI document (docs/api/openapi.yaml).

CI regenerates that file and fails on a diff, so checking responses against it checks
them against the code's own description. OpenAPI 3.0's ``nullable`` is rewritten to
JSON Schema before validating; every other keyword is JSON Schema already.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"
BASE = "urn:uplift-openapi"


def _to_json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _to_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@cache
def _document() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_FILE.read_text())


@cache
def _registry() -> Registry:
    components = _to_json_schema(_document()["components"])
    resource = Resource.from_contents({"components": components}, default_specification=DRAFT202012)
    return Registry().with_resource(BASE, resource)


def response_schema(path: str, method: str, status: int) -> dict[str, Any]:
    """The JSON schema of one documented response; KeyError if it is not documented."""
    operation = _document()["paths"][path][method.lower()]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    text = json.dumps(_to_json_schema(schema)).replace('"#/components/', f'"{BASE}#/components/')
    return json.loads(text)


def assert_matches_schema(response: Any, path: str, method: str = "get") -> None:
    """The response's status is documented for ``path`` and its body matches."""
    validator = Draft202012Validator(
        response_schema(path, method, response.status_code), registry=_registry()
    )
    errors = sorted(validator.iter_errors(response.json()), key=lambda error: error.path)
    assert not errors, "\n".join(
        f"{list(error.absolute_path)}: {error.message}" for error in errors
    )
