"""Test helpers for the REST API: a token and a client that sends it."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from psm.api import services
from psm.team.models import User


def token(user: User, scopes: tuple[str, ...] = ("read", "write"), days: int | None = 30) -> str:
    _, key = services.issue_token(None, user, name="test", scopes=scopes, expires_days=days)
    return key


class ApiClient:
    """Django's test client with a bearer token and JSON bodies; answers are (status, body)."""

    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def call(self, method: str, path: str, body: Any = None, **extra: Any) -> tuple[int, Any]:
        url = path if path.startswith(("http", "/")) else f"/api/v1/{path}"
        kwargs: dict[str, Any] = {"headers": self.headers, **extra}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        response = getattr(self.client, method)(url, **kwargs)
        content_type = response.get("Content-Type", "")
        data = (
            json.loads(response.content)
            if content_type.startswith("application/json")
            else response
        )
        return response.status_code, data

    def get(self, path: str, **params: Any) -> tuple[int, Any]:
        return self.call("get", path, data=params)

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.call("post", path, body if body is not None else {})

    def patch(self, path: str, body: Any) -> tuple[int, Any]:
        return self.call("patch", path, body)


def api_as(user: User, scopes: tuple[str, ...] = ("read", "write")) -> ApiClient:
    return ApiClient(token(user, scopes))


# -- the URL isolation walk: each API operation called with a minimal valid request --------


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def example(schema: dict[str, Any], node: dict[str, Any]) -> Any:
    """The smallest value that the JSON schema ``node`` accepts (required fields only)."""
    node = _resolve(schema, node)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            return example(schema, node[key][0])
    if "enum" in node:
        return node["enum"][0]
    if "const" in node:
        return node["const"]
    kind = node.get("type", "object")
    if kind == "object":
        props = node.get("properties", {})
        return {name: example(schema, props[name]) for name in node.get("required", [])}
    if kind == "array":
        return [example(schema, node.get("items", {}))] if node.get("minItems") else []
    if kind == "string":
        if node.get("format") == "date-time":
            return "2026-01-01T00:00:00Z"
        if node.get("format") == "date":
            return "2026-01-01"
        return "x" * max(1, int(node.get("minLength", 1)))
    if kind == "integer":
        return max(1, int(node.get("minimum", 1)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    return None


def operations(url: str, values: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """The API's operations on ``url`` (a path filled with ``values``): (method, request
    keyword arguments for Django's test client, with a minimal valid body)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from psm.api.main import api

    schema = api.get_openapi_schema()
    found = []
    for path, item in schema["paths"].items():
        filled = path
        for name, value in values.items():
            filled = filled.replace("{" + name + "}", value)
        if filled != url:
            continue
        for method, op in item.items():
            kwargs: dict[str, Any] = {}
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = example(schema, content["application/json"]["schema"])
                kwargs = {"data": json.dumps(body), "content_type": "application/json"}
            elif "multipart/form-data" in content:
                form = _resolve(schema, content["multipart/form-data"]["schema"])
                data: dict[str, Any] = {}
                for name in form.get("required", []):
                    prop = _resolve(schema, form["properties"][name])
                    if prop.get("type") == "array" or prop.get("format") == "binary":
                        data[name] = [SimpleUploadedFile("walk.txt", b"walk")]
                    else:
                        data[name] = example(schema, prop)
                kwargs = {"data": data}
            found.append((method, kwargs))
    return found


def token_row(user: User) -> Any:
    """A token of ``user`` (for the URL walk's token pages)."""
    from psm.api.models import Token

    existing = Token.objects.filter(user=user).first()
    return existing or services.issue_token(None, user, name="walk")[0]
