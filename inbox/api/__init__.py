"""The HTTP API under ``/api/v1``: bearer tokens, JSON in and out, an OpenAPI document."""
