"""Writing workflow copy with any OpenAI-compatible chat completions API.

When `GENFIRE_LLM_BASE_URL` is set, the model is asked for the same JSON document the
local writer makes. Its answer must have the draft's shape (same keys, same kinds of
values, no empty strings) and satisfy the workflow's output schema; otherwise the local
writer's draft is used and the reason is recorded in the run (`output.writer`). So a
misbehaving model can make copy worse, never make a run fail or break the contract.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from genfire_server.settings import Settings

log = logging.getLogger(__name__)

_SYSTEM = (
    "You are a senior direct-response copywriter for short-form video ads. "
    "Answer with exactly one JSON object and nothing else. Keep every key and the type of "
    "every value of the draft you are given; improve the words, keep them specific to the "
    "product, audience and tone in the brief, and keep spoken scripts near the draft's length."
)
# Recomputed from the final script, whoever wrote it.
_DERIVED = {"word_count", "estimated_duration", "workflow", "topic"}
# What the run was told or planned, never the model's to change.
_FIXED = {"workflow", "topic", "prompt", "title", "strategy", "product", "aspect_ratio"}
MAX_ANSWER_BYTES = 256 * 1024


class LlmUnusable(Exception):
    """Why the model's answer was not used (recorded as the fallback reason)."""


def shape_schema(value: Any) -> dict[str, Any]:
    """A JSON Schema that accepts documents shaped like `value`."""
    if isinstance(value, dict):
        return {
            "type": "object",
            "required": sorted(value),
            "additionalProperties": False,
            "properties": {key: shape_schema(item) for key, item in value.items()},
        }
    if isinstance(value, list):
        schema: dict[str, Any] = {"type": "array", "minItems": len(value), "maxItems": len(value)}
        if value:
            schema["items"] = shape_schema(value[0])
        return schema
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int | float):
        return {"type": "number"}
    if isinstance(value, str):
        return {"type": "string", "pattern": "\\S", "maxLength": 5000}
    return {}


class LlmWriter:
    def __init__(self, base_url: str, api_key: str | None, model: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.model = model
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> LlmWriter | None:
        if not settings.llm_base_url:
            return None
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return cls(settings.llm_base_url, key, settings.llm_model, settings.llm_timeout_seconds)

    async def rewrite(
        self,
        workflow: str,
        inputs: dict[str, Any],
        draft: dict[str, Any],
        output_schema: dict[str, Any],
    ) -> dict[str, Any]:
        """The model's version of `draft`; raises LlmUnusable saying why it cannot be used."""
        editable = {key: value for key, value in draft.items() if key not in _DERIVED}
        brief = {"workflow": workflow, "brief": inputs, "draft": editable}
        payload = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": _SYSTEM},
                {"role": "user", "content": json.dumps(brief, ensure_ascii=False)},
            ],
            "response_format": {"type": "json_object"},
            "temperature": 0.7,
        }
        content = await self._complete(payload)
        try:
            answer = json.loads(content)
        except (ValueError, RecursionError):
            raise LlmUnusable("the LLM answer was not a JSON object") from None
        if not isinstance(answer, dict):
            raise LlmUnusable("the LLM answer was not a JSON object")
        problems = sorted(
            Draft202012Validator(shape_schema(editable)).iter_errors(answer),
            key=lambda error: list(error.absolute_path),
        )
        if problems:
            where = "/".join(str(part) for part in problems[0].absolute_path) or "answer"
            raise LlmUnusable(
                f"the LLM answer did not match the output shape at {where}: "
                f"{problems[0].message[:200]}"
            )
        merged: dict[str, Any] = merge_copy(draft, answer)
        _check_copy(draft, merged, inputs)
        if list(Draft202012Validator(output_schema).iter_errors(merged)):
            raise LlmUnusable("the LLM answer did not satisfy the workflow's output schema")
        return merged

    async def _complete(self, payload: dict[str, Any]) -> str:
        """choices[0].message.content of one chat completion, within one deadline for the
        whole exchange and a cap on the answer's size."""
        try:
            headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
            async with (
                asyncio.timeout(self.timeout),
                httpx.AsyncClient(timeout=self.timeout) as client,
            ):
                url = f"{self.base_url}/chat/completions"
                async with client.stream("POST", url, json=payload, headers=headers) as response:
                    if response.status_code != 200:
                        raise LlmUnusable(f"the LLM API answered HTTP {response.status_code}")
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > MAX_ANSWER_BYTES:
                            raise LlmUnusable(
                                f"the LLM answer was larger than {MAX_ANSWER_BYTES // 1024} KB"
                            )
        except TimeoutError:
            raise LlmUnusable(f"the LLM API took longer than {self.timeout:g} s") from None
        except (httpx.HTTPError, UnicodeError) as error:
            raise LlmUnusable(
                f"the LLM API could not be reached ({type(error).__name__})"
            ) from None
        try:
            content = json.loads(body)["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError, RecursionError):
            raise LlmUnusable("the LLM answer was not a JSON object in choices[0]") from None
        if not isinstance(content, str):
            raise LlmUnusable("the LLM answer's content was not text")
        return content


def merge_copy(draft: Any, answer: Any, key: str | None = None) -> Any:
    """The draft with the answer's text in its text fields. Everything else (numbers,
    counts, sizes, durations, ids, and the facts under `_FIXED` keys) stays the draft's:
    a model may improve the words, not change what the run planned or was told."""
    if key in _FIXED:
        return draft
    if isinstance(draft, dict) and isinstance(answer, dict):
        return {name: merge_copy(value, answer.get(name), name) for name, value in draft.items()}
    if isinstance(draft, list) and isinstance(answer, list) and len(draft) == len(answer):
        return [merge_copy(item, other, key) for item, other in zip(draft, answer, strict=True)]
    if isinstance(draft, str) and isinstance(answer, str):
        return answer.strip()
    return draft


def _words(document: dict[str, Any]) -> int:
    script = document.get("full_script")
    return len(script.split()) if isinstance(script, str) else 0


def _check_copy(draft: dict[str, Any], merged: dict[str, Any], inputs: dict[str, Any]) -> None:
    """The promises the local writer keeps, kept by the model too: the script's length
    within a quarter of the draft's, and every keyword said."""
    drafted, written = _words(draft), _words(merged)
    if drafted and abs(written - drafted) > 0.25 * drafted:
        raise LlmUnusable(f"the LLM script has {written} words; the brief asks for about {drafted}")
    text = json.dumps(merged, ensure_ascii=False).lower()
    missing = [k for k in inputs.get("keywords") or [] if str(k).lower() not in text]
    if missing:
        raise LlmUnusable(f"the LLM answer left out the keyword(s) {', '.join(missing)[:200]}")
