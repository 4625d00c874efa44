"""Who is calling, and with which scopes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from genfire_server.auth import scopes as scope_rules


@dataclass(frozen=True)
class Principal:
    account_id: str
    scopes: frozenset[str]
    credential_id: str
    kind: Literal["api_key", "oauth_token"]

    def allows(self, scope: str) -> bool:
        return scope_rules.grants(self.scopes, scope)
