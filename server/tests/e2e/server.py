"""The real server as a subprocess (`genfire-server serve`), for tests that kill it."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET

CLI = str(Path(sys.executable).parent / "genfire-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(database_url: str, data_dir: Path, port: int, **settings: str) -> dict[str, str]:
    """The environment of a server on the test database with the test engine, quick
    sweeps and no access log; `settings` adds GENFIRE_<NAME> variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENFIRE_")}
    env.update(
        GENFIRE_DATABASE_URL=database_url,
        GENFIRE_DATA_DIR=str(data_dir),
        GENFIRE_SECRET_KEY=TEST_SECRET,
        GENFIRE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        GENFIRE_ENABLE_TEST_ENGINE="true",
        GENFIRE_SWEEP_INTERVAL_SECONDS="0.5",
        GENFIRE_ACCESS_LOG="false",
    )
    env.update({f"GENFIRE_{name.upper()}": value for name, value in settings.items()})
    return env


async def start(env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    """Start the server and wait until it is ready."""
    server = await asyncio.create_subprocess_exec(
        CLI,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(timeout=1) as http:
        while time.monotonic() < deadline:
            try:
                if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return server
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    server.kill()
    raise AssertionError("server did not start")


async def stop(server: asyncio.subprocess.Process, signum: int) -> None:
    server.send_signal(signum)
    await asyncio.wait_for(server.wait(), 20)
