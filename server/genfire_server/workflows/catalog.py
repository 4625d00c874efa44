"""The workflow catalog: the contract's `GET /workflows` body, loaded once, with each
workflow's input schema compiled into a validator.

`data/workflows.json` is served verbatim (ids, names, descriptions, statuses, schemas).
Requests are validated against the same input schema clients read, so what the catalog
says is what the server accepts; the few rules a JSON Schema cannot say (a prompt of
only spaces, a fractional `variant_count`) are added in `rules.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator


@dataclass(frozen=True)
class Workflow:
    key: str
    document: dict[str, Any]  # the contract's JSON object, served as is
    validator: Draft202012Validator

    @property
    def input_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = self.document["input_schema"]
        return schema


class WorkflowCatalog:
    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.workflows = {
            doc["id"]: Workflow(doc["id"], doc, _validator(doc["input_schema"]))
            for doc in documents
        }

    @classmethod
    def load(cls) -> WorkflowCatalog:
        data = resources.files("genfire_server.workflows").joinpath("data", "workflows.json")
        return cls(json.loads(data.read_text("utf-8"))["data"])

    def get(self, key: str) -> Workflow | None:
        return self.workflows.get(key)

    def keys(self) -> list[str]:
        return list(self.workflows)


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    # Fields the schema does not name are refused: a misspelt `audience` that is silently
    # ignored makes worse copy with no hint why.
    strict = {**schema, "additionalProperties": False}
    return Draft202012Validator(strict, format_checker=Draft202012Validator.FORMAT_CHECKER)
