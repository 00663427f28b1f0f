"""The OpenAPI 3.1 document of ``/api/v1``, built from the pydantic models."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from inbox.api import schemas

_REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _auth_error() -> dict[str, Any]:
    response = _error("missing, unknown or revoked token")
    response["headers"] = {
        "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer challenge"}
    }
    return response


def _query_parameters(model: type[BaseModel], properties: dict[str, Any]) -> list[Any]:
    required = set(model.model_json_schema(by_alias=True).get("required", []))
    out = []
    for name, schema in properties.items():
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": schema,
        }
        if schema.get("type") == "array":
            param["style"] = "form"
            param["explode"] = True
        out.append(param)
    return out


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """A property schema without null (absent means none in a query) and without titles."""
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        inner = options[0] if len(options) == 1 else {"anyOf": options}
        schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **inner}
    schema = {k: v for k, v in schema.items() if k not in ("title", "default")}
    if "items" in schema:
        schema["items"] = _plain(schema["items"])
    return schema


def _query_of(model: type[BaseModel]) -> list[Any]:
    properties = model.model_json_schema(by_alias=True)["properties"]
    return _query_parameters(model, {k: _plain(v) for k, v in properties.items()})


_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "one per reply: a retried request with the same key is sent once",
    "schema": {"type": "string", "minLength": 8, "maxLength": 64, "pattern": "^[!-~]+$"},
}
_ITEM_ID = {
    "name": "item_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": schemas.MAX_ITEM_ID},
}


@cache
def openapi_document() -> dict[str, Any]:
    _, defs = models_json_schema(
        [
            (schemas.ItemIn, "validation"),
            (schemas.ResponseIn, "validation"),
            (schemas.ItemOut, "serialization"),
            (schemas.ItemDetail, "serialization"),
            (schemas.ReplyIn, "validation"),
            (schemas.ModerationIn, "validation"),
            (schemas.OutboundOut, "serialization"),
            (schemas.ItemList, "serialization"),
            (schemas.ResponseOut, "serialization"),
            (schemas.ReportOut, "serialization"),
            (schemas.Error, "serialization"),
        ],
        ref_template=_REF,
        by_alias=True,
    )
    common = {"401": _auth_error(), "400": _error("malformed JSON")}
    invalid = _error("invalid input; detail lists each field and what is wrong")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "inbox API",
            "version": "1",
            "description": "Items from any channel in, answers given elsewhere, items and "
            "response metrics out. Timestamps are ISO 8601 with an offset.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/items": {
                "post": {
                    "operationId": "createItem",
                    "summary": "Add an item; repeats (same page and external_id) change nothing",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("ItemIn")}},
                    },
                    "responses": {
                        "201": _json(_ref("ItemOut"), "created"),
                        "200": _json(_ref("ItemOut"), "already there: the stored item"),
                        "413": _error("body over 1 MiB"),
                        "422": invalid,
                        **common,
                    },
                },
                "get": {
                    "operationId": "listItems",
                    "summary": "Items in order of receipt, filtered, a page at a time",
                    "parameters": _query_of(schemas.ItemFilters),
                    "responses": {
                        "200": _json(_ref("ItemList"), "a page of items"),
                        "422": invalid,
                        **common,
                    },
                },
            },
            "/api/v1/items/{item_id}": {
                "get": {
                    "operationId": "getItem",
                    "summary": "One item, with what was sent to its platform",
                    "parameters": [_ITEM_ID],
                    "responses": {
                        "200": _json(_ref("ItemDetail"), "the item"),
                        "404": _error("no such item"),
                        **common,
                    },
                }
            },
            "/api/v1/items/{item_id}/responses": {
                "post": {
                    "operationId": "recordResponse",
                    "summary": "Record an answer given elsewhere; the earliest sets the "
                    "item's first response",
                    "parameters": [_ITEM_ID],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("ResponseIn")}},
                    },
                    "responses": {
                        "201": _json(_ref("ResponseOut"), "recorded"),
                        "404": _error("no such item"),
                        "413": _error("body over 1 MiB"),
                        "422": invalid,
                        **common,
                    },
                }
            },
            "/api/v1/items/{item_id}/replies": {
                "post": {
                    "operationId": "sendReply",
                    "summary": "Queue a reply for the item's platform (token scope reply); it "
                    "counts as the response when the platform accepts it",
                    "parameters": [_ITEM_ID, _IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("ReplyIn")}},
                    },
                    "responses": {
                        "202": _json(
                            _ref("OutboundOut"),
                            "queued (or the one queued before under the same Idempotency-Key)",
                        ),
                        "403": _error("the token lacks the reply scope"),
                        "404": _error("no such item"),
                        "409": _error("the page cannot send this (not connected, window closed)"),
                        "413": _error("body over 1 MiB"),
                        "422": invalid,
                        **common,
                    },
                }
            },
            "/api/v1/items/{item_id}/moderation": {
                "post": {
                    "operationId": "moderate",
                    "summary": "Hide, unhide or delete the comment on its platform (scope reply)",
                    "parameters": [_ITEM_ID, _IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("ModerationIn")}},
                    },
                    "responses": {
                        "202": _json(_ref("OutboundOut"), "queued"),
                        "403": _error("the token lacks the reply scope"),
                        "404": _error("no such item"),
                        "409": _error("the page cannot do this"),
                        "413": _error("body over 1 MiB"),
                        "422": invalid,
                        **common,
                    },
                }
            },
            "/api/v1/report": {
                "get": {
                    "operationId": "report",
                    "summary": "Response metrics per page, as `inbox report --format json`",
                    "parameters": _query_of(schemas.ReportQuery),
                    "responses": {
                        "200": _json(_ref("ReportOut"), "the report"),
                        "422": invalid,
                        **common,
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": _json({"type": "object"}, "the OpenAPI document"),
                        **common,
                    },
                }
            },
        },
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a token from `inbox tokens create NAME`",
                }
            },
        },
    }
