"""Every operator knob, read from `GENFIRE_*` environment variables (or a `.env` file).

`docs/operations.md` documents each one; keep the two in step.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from genfire_server.kit.safe_http import AllowList

LogFormat = Literal["json", "text"]


class Settings(BaseSettings):
    """Server configuration. Construct once per process and pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="GENFIRE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(
        default=Path("./var"),
        description="Holds the SQLite database, stored files and the generated secret key.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL. Default: sqlite+aiosqlite:///<data_dir>/genfire.db.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8080",
        description="Base URL clients reach this server at; used to build absolute URLs.",
    )
    host: str = Field(default="127.0.0.1", description="Interface `serve` listens on.")
    port: int = Field(default=8080, ge=1, le=65535, description="Port `serve` listens on.")
    secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "Signs OAuth access tokens. When unset, one is generated on first start and kept "
            "in <data_dir>/secret-key (set it explicitly when processes on several machines "
            "must accept each other's tokens)."
        ),
    )
    max_request_body_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Largest request body the API accepts (413 beyond it).",
    )
    access_token_ttl_seconds: int = Field(
        default=3600, ge=60, le=86400, description="Lifetime of OAuth access tokens."
    )
    api_key_last_used_resolution_seconds: int = Field(
        default=60,
        ge=0,
        description="last_used_at is written at most this often per key, so reads stay reads.",
    )
    db_pool_size: int = Field(default=10, ge=1, description="Connections per engine.")
    db_busy_timeout_ms: int = Field(
        default=10_000, ge=0, description="How long a SQLite writer waits for another process."
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_format: LogFormat = Field(default="json", description="json (one object per line) or text.")
    access_log: bool = Field(default=True, description="One log line per request.")
    # Runs and workers
    worker_concurrency: int = Field(
        default=2, ge=0, description="Runs executed at once by this process's workers (0: none)."
    )
    run_lease_seconds: int = Field(
        default=60, ge=5, description="How long a worker's claim on a run lasts unless renewed."
    )
    sweep_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often the sweeper looks for lost or abandoned runs."
    )
    redispatch_after_seconds: int = Field(
        default=30, ge=1, description="A queued run nobody claimed for this long is sent again."
    )
    run_max_attempts: int = Field(
        default=3, ge=1, description="Claims a run may get (a worker died) before it fails."
    )
    sync_wait_seconds: float = Field(
        default=30.0, ge=0, description="How long synchronous endpoints wait for their run."
    )
    # Webhooks
    webhook_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        le=60,
        description="A webhook attempt succeeds only with a 2xx answer within this time.",
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, description="Webhook attempts in flight at once per worker process."
    )
    enable_test_engine: bool = Field(
        default=False,
        description="Expose POST /v1/testing/runs and its test engine (tests, benchmarks).",
    )
    # Idempotency
    idempotency_ttl_hours: int = Field(
        default=24, ge=1, description="How long an Idempotency-Key and its response are kept."
    )
    idempotency_lock_seconds: int = Field(
        default=60, ge=1, description="An in-flight key whose request died is freed after this."
    )
    # Storage and uploads
    storage_dir: Path | None = Field(
        default=None, description="Where stored files live. Default: <data_dir>/files."
    )
    output_retention_days: int = Field(
        default=7, ge=1, description="How long run outputs (and their URLs) stay available."
    )
    upload_url_ttl_seconds: int = Field(
        default=900, ge=60, description="How long an upload URL accepts its PUT."
    )
    asset_url_ttl_days: int = Field(
        default=7, ge=1, description="Lifetime of an upload's signed asset_url."
    )
    max_upload_bytes: int = Field(
        default=5 * 1024**3, ge=1, description="Largest upload accepted (5 GB)."
    )
    # Outbound requests
    fetch_allow_hosts: str = Field(
        default="",
        description="Comma-separated host names or CIDRs that outbound requests may reach "
        "even though they are private (empty: none).",
    )
    fetch_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Time limit for one input fetch, redirects included."
    )
    youtube_proxy: str | None = Field(
        default=None,
        description="Proxy URL for fetching YouTube sources of transcriptions "
        "(e.g. http://proxy:3128); empty: direct.",
    )
    product_cache_ttl_seconds: int = Field(
        default=86_400,
        ge=0,
        description="How long an extracted product page is served from cache (0: never cached).",
    )
    # Workflows
    llm_base_url: str | None = Field(
        default=None,
        description="An OpenAI-compatible API (e.g. https://api.openai.com/v1) that writes "
        "workflow copy; empty: the built-in local writer.",
    )
    llm_api_key: SecretStr | None = Field(
        default=None, description="Bearer key for GENFIRE_LLM_BASE_URL (never logged)."
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Model name sent to that API.")
    llm_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Time limit for one LLM answer before the local writer takes over.",
    )
    dev_account_email: str = Field(
        default="dev@localhost", description="Account `make run` creates for development."
    )
    dev_account_credits: int = Field(
        default=10_000, ge=0, description="Credits that account starts with."
    )

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("GENFIRE_SECRET_KEY must be at least 32 characters")
        return value

    @field_validator("fetch_allow_hosts")
    @classmethod
    def _parsable_allow_list(cls, value: str) -> str:
        from genfire_server.kit.safe_http import AllowList

        AllowList.parse(value)  # a bad entry stops start-up with a message that names it
        return value

    @cached_property
    def fetch_allow(self) -> AllowList:
        """`fetch_allow_hosts`, parsed: what outbound requests may reach although private."""
        from genfire_server.kit.safe_http import AllowList

        return AllowList.parse(self.fetch_allow_hosts)

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'genfire.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def scratch_dir(self) -> Path:
        """Working files of runs and requests (deleted when they end); created on use."""
        path = self.data_dir / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def resolved_storage_dir(self) -> Path:
        return self.storage_dir or self.data_dir / "files"

    @cached_property
    def resolved_secret_key(self) -> bytes:
        """The configured key, or one generated once and persisted (mode 600) in the data dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.data_dir / "secret-key"
        if not path.exists():
            # Two processes starting at once must end up with the same key: the first
            # link wins and everyone reads what it wrote.
            write_private_file(path, secrets.token_urlsafe(48), replace=False)
        return path.read_text().strip().encode()


def write_private_file(path: Path, content: str, *, replace: bool = True) -> None:
    """Write a file readable only by its owner, complete or not at all.

    With `replace=False` an existing file wins and is left as it is.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content + "\n")
        if replace:
            tmp.replace(path)
        else:
            with contextlib.suppress(FileExistsError):  # another process was first
                os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
