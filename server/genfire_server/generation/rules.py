"""Request rules that come from the catalog, never from scattered ifs.

Every "is this value allowed for this model" question is answered from the model's
`limits` and `capabilities` in the catalog; the error lists the allowed values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import Field

from genfire_server.catalog.service import Catalog, CatalogModel
from genfire_server.kit.errors import GenFireError, InvalidModel, ValidationFailed

PROMPT_MAX_CHARACTERS = 5000
# Every URL a request names: an empty string is a mistake, never "no input".
InputUrl = Annotated[str, Field(min_length=1, max_length=2048)]


def model_for(catalog: Catalog, model_id: str | None, capability: str) -> CatalogModel:
    """The requested alias (or the capability's default), which must be of `capability`."""
    if model_id is None:
        default = catalog.default_for(capability)
        assert default is not None, f"no default model for {capability}"
        return default
    model = catalog.get(model_id)
    if model is None or model.capability != capability:
        allowed = ", ".join(m.id for m in catalog.by_capability(capability))
        raise InvalidModel(f"'{model_id[:80]}' is not a {capability} model. Use one of: {allowed}.")
    return model


def prompt_text(prompt: str | None, *, max_characters: int = PROMPT_MAX_CHARACTERS) -> str:
    text = (prompt or "").strip()
    if not text:
        raise GenFireError("prompt is required.", code="invalid_prompt")
    if len(text) > max_characters:
        raise GenFireError(
            f"prompt is {len(text)} characters; the limit is {max_characters}.",
            code="invalid_prompt",
        )
    return text


def _listed(values: Iterable[Any]) -> str:
    return ", ".join(str(value) for value in values)


def choice(value: Any, allowed: Sequence[Any], *, field: str, model: str, code: str) -> None:
    """`value` must be one of the model's `allowed` values; the 400 lists them."""
    if value not in allowed:
        raise GenFireError(
            f"{field} {value!r} is not supported by {model}. Allowed: {_listed(allowed)}.",
            code=code,
        )


def count_within(count: int, maximum: int, *, model: str) -> None:
    if not 1 <= count <= maximum:
        raise GenFireError(
            f"count must be from 1 to {maximum} for {model}; got {count}.", code="invalid_count"
        )


def seconds_within(value: float, low: float, high: float, *, field: str, model: str) -> None:
    """A length in seconds the model can make; 400 `invalid_duration` naming the range."""
    if not low <= value <= high:
        raise GenFireError(
            f"{field} must be from {low:g} to {high:g} for {model}; got {value:g}.",
            code="invalid_duration",
        )


def not_for_this_model(field: str, model: str, reason: str = "") -> ValidationFailed:
    extra = f" {reason}" if reason else ""
    return ValidationFailed(f"{field} is not supported by {model}.{extra}")


def supports(model: CatalogModel, capability: str) -> bool:
    return bool((model.capabilities or {}).get(capability))
