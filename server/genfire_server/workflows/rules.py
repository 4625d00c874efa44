"""Checking a workflow request against its input schema, with errors that name the path.

A client that sends `{"tone": "angry"}` must learn which field is wrong and what is
allowed, in the contract's problem shape (400 `validation_error`), not a schema dump.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

from jsonschema import ValidationError

from genfire_server.kit.errors import ValidationFailed
from genfire_server.workflows.catalog import Workflow

MAX_TEXT = 5000  # any one string field
MAX_TARGET_SECONDS = 300


def _path(error: ValidationError) -> str:
    parts = [f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path]
    return "".join(parts).lstrip(".") or "body"


def _schema_of(error: ValidationError) -> dict[str, Any]:
    return error.schema if isinstance(error.schema, dict) else {}


def _message(error: ValidationError) -> str:
    where = _path(error)
    if error.validator == "required":
        missing = str(error.message).split("'")[1]
        return f"{missing} is required."
    if error.validator == "additionalProperties":
        known = _schema_of(error).get("properties", {})
        extra = (
            sorted(name[:80] for name in set(error.instance) - set(known))[:5]
            if isinstance(error.instance, dict)
            else []
        )
        allowed = ", ".join(sorted(known))
        return f"Unknown field(s) {', '.join(extra)}; this workflow takes: {allowed}."
    if error.validator == "enum":
        allowed = ", ".join(str(value) for value in _schema_of(error).get("enum", []))
        return f"{where} must be one of: {allowed} (got {str(error.instance)[:80]!r})."
    if error.validator == "type":
        return f"{where} must be of type {error.validator_value}."
    if error.validator in {"minimum", "maximum"}:
        schema = _schema_of(error)
        return f"{where} must be from {schema.get('minimum')} to {schema.get('maximum')}."
    if error.validator == "format":
        return f"{where} must be an absolute URL."
    return f"{where}: {error.message}"


def _absolute_url(value: str) -> bool:
    # jsonschema checks `format: uri` only with an optional package; the rule is simple.
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


MAX_ITEMS = 50
MAX_KEYWORD = 60  # a keyword is a phrase to work into a sentence, not a paragraph
MAX_KEYWORDS = 20  # every one is worked into the copy; more would crowd out the message


def _check_size(name: str, value: Any) -> None:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise ValidationFailed(f"{name} is {len(value)} characters; the limit is {MAX_TEXT}.")
    if isinstance(value, list):
        most = MAX_KEYWORDS if name == "keywords" else MAX_ITEMS
        if len(value) > most:
            raise ValidationFailed(f"{name} takes at most {most} entries.")
        limit = MAX_KEYWORD if name == "keywords" else MAX_TEXT
        for index, item in enumerate(value):
            if isinstance(item, str) and len(item) > limit:
                raise ValidationFailed(
                    f"{name}[{index}] is {len(item)} characters; the limit is {limit}."
                )


def _visible(text: str) -> bool:
    # Zero-width and other format characters are not words to write about.
    return any(ch.isalnum() for ch in text)


def _number_within(value: Any, low: float, high: float, *, whole: bool = False) -> bool:
    """A JSON number in [low, high], compared without float conversion (10**400 is an int
    Python reads happily and `float()` cannot)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if whole and isinstance(value, float) and not value.is_integer():
        return False
    return low <= value <= high


def validate(workflow: Workflow, body: Any) -> dict[str, Any]:
    """The request body, checked; raises ValidationFailed naming the first failing path."""
    if not isinstance(body, dict):
        raise ValidationFailed("The request body must be a JSON object.")
    errors = sorted(workflow.validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValidationFailed(_message(errors[0]))
    for name, value in body.items():
        _check_size(name, value)
    for name, schema in workflow.input_schema.get("properties", {}).items():
        uri = schema.get("format") == "uri" or schema.get("items", {}).get("format") == "uri"
        if uri and name in body:
            values = body[name] if isinstance(body[name], list) else [body[name]]
            for index, value in enumerate(values):
                where = f"{name}[{index}]" if isinstance(body[name], list) else name
                if not _absolute_url(str(value)):
                    raise ValidationFailed(f"{where} must be an absolute URL (http or https).")
    for name in ("prompt", "product_name"):
        if name in body and not _visible(str(body[name])):
            raise ValidationFailed(f"{name} must not be empty.")
    if "variant_count" in body and not _number_within(body["variant_count"], 1, 5, whole=True):
        raise ValidationFailed("variant_count must be a whole number from 1 to 5.")
    target = body.get("target_duration")
    if target is not None and not _number_within(target, 1, MAX_TARGET_SECONDS):
        raise ValidationFailed(f"target_duration must be from 1 to {MAX_TARGET_SECONDS} seconds.")
    if workflow.key in {"creative_pack", "product_ad_variants"} and not any(
        str(body.get(name, "")).strip() for name in ("prompt", "product_url", "product_name")
    ):
        raise ValidationFailed(
            "Say what to advertise: send product_url, product_name or prompt."
            if workflow.key == "creative_pack"
            else "Say what to advertise: send product_name or prompt."
        )
    return dict(body)


def urls_of(workflow: Workflow, inputs: dict[str, Any]) -> list[str]:
    """Every URL the request names (fields of `format: uri`), to be checked before a run."""
    urls: list[str] = []
    for name, schema in workflow.input_schema.get("properties", {}).items():
        value = inputs.get(name)
        uri = schema.get("format") == "uri" or schema.get("items", {}).get("format") == "uri"
        if uri and value is not None:
            urls += [str(item) for item in value] if isinstance(value, list) else [str(value)]
    return urls
