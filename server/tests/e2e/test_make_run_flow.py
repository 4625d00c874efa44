"""The `make run` sequence for real: migrate, ensure the dev account, serve over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import is_postgres

pytestmark = pytest.mark.skipif(is_postgres(), reason="the embedded shape is SQLite")

# The console script `make install` puts next to the interpreter, as an operator runs it.
CLI = [str(Path(sys.executable).parent / "genfire-server")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENFIRE_")}
    env.update(GENFIRE_DATA_DIR=str(data_dir), GENFIRE_PUBLIC_URL=f"http://127.0.0.1:{port}")
    return env


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not become ready")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def test_fresh_data_dir_to_serving_catalog_and_rerun_reuses_everything(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(tmp_path / "var", port)
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True)
    setup = subprocess.run(
        [*CLI, "admin", "ensure-dev-account"], env=env, check=True, capture_output=True, text=True
    )
    key_file = tmp_path / "var" / "dev-api-key"
    api_key = key_file.read_text().strip()
    assert api_key in setup.stdout  # printed once...
    assert (tmp_path / "var" / "genfire.db").exists()

    server = _serve(env, port)
    try:
        headers = {"Authorization": f"Bearer {api_key}"}
        models = httpx.get(f"http://127.0.0.1:{port}/v1/models", headers=headers, timeout=10)
        assert models.status_code == 200 and len(models.json()["data"]) == 62
        credits = httpx.get(
            f"http://127.0.0.1:{port}/v1/account/credits", headers=headers, timeout=10
        )
        assert credits.json()["balance"] == 10000
    finally:
        _stop(server)

    # Running it again reuses the database, the account and the key.
    subprocess.run([*CLI, "migrate"], env=env, check=True, capture_output=True)
    again = subprocess.run(
        [*CLI, "admin", "ensure-dev-account"], env=env, check=True, capture_output=True, text=True
    )
    assert api_key not in again.stdout  # ...and only once
    assert key_file.read_text().strip() == api_key
    server = _serve(env, port)
    try:
        account = httpx.get(
            f"http://127.0.0.1:{port}/v1/account",
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=10,
        )
        assert account.status_code == 200 and account.json()["email"] == "dev@localhost"
    finally:
        _stop(server)


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    port = _free_port()
    result = subprocess.run(
        [*CLI, "serve", "--port", str(port)],
        env=_env(tmp_path / "var", port),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "genfire-server migrate" in result.stderr
