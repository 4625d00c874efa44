"""Settings and the secret key they guard."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from genfire_server.migrations import alembic_config
from genfire_server.settings import Settings, write_private_file


def test_a_short_secret_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="32 characters"):
        Settings(secret_key="too-short", _env_file=None)


def test_generated_secret_key_is_private_and_shared_by_processes(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path, _env_file=None).resolved_secret_key
    second = Settings(data_dir=tmp_path, _env_file=None).resolved_secret_key
    assert first == second and len(first) >= 48
    assert stat.S_IMODE((tmp_path / "secret-key").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret-key"]  # no temporary files left


def test_write_private_file_without_replace_keeps_the_first_writer(tmp_path: Path) -> None:
    target = tmp_path / "key"
    write_private_file(target, "first", replace=False)
    write_private_file(target, "second", replace=False)
    assert target.read_text() == "first\n"
    write_private_file(target, "third")
    assert target.read_text() == "third\n"


def test_migrations_accept_percent_encoded_passwords() -> None:
    url = "postgresql+asyncpg://genfire:p%40ss%2Fword@db:5432/genfire"
    assert alembic_config(url).get_main_option("sqlalchemy.url") == url


def test_a_bad_fetch_allow_list_stops_start_up_naming_the_entry() -> None:
    with pytest.raises(ValidationError, match="not-a-cidr/99"):
        Settings(fetch_allow_hosts="files.internal, not-a-cidr/99", _env_file=None)
    allowed = Settings(fetch_allow_hosts="files.internal, 10.1.0.0/16", _env_file=None).fetch_allow
    assert allowed.allows_host("files.internal")
    assert not allowed.allows_host("other.internal")
