"""A real HTTP server on loopback for tests of fetching: an operator's internal host.

It listens on 127.0.0.2, which tests allow-list (`GENFIRE_FETCH_ALLOW_HOSTS`) the way an
operator would for an internal web server, serves fixed files by path (404 otherwise)
and records every path asked for, so tests can count fetches.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

HOST = "127.0.0.2"


@dataclass
class Origin:
    port: int = 0
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> body, type
    requests: list[str] = field(default_factory=list)

    def serve(self, path: str, body: bytes, content_type: str) -> str:
        """Serve `body` at `path` from now on; returns its URL."""
        self.files[path] = (body, content_type)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        path = head.split(" ", 2)[1]
        self.requests.append(path)
        body, content_type = self.files.get(path, (b"<h1>Not found</h1>", "text/html"))
        status = "200 OK" if path in self.files else "404 Not Found"
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n".encode()
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def origin() -> AsyncIterator[Origin]:
    served = Origin()
    server = await asyncio.start_server(served.handle, HOST, 0)
    served.port = server.sockets[0].getsockname()[1]
    try:
        yield served
    finally:
        server.close()
        await server.wait_closed()
