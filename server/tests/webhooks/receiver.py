"""A real webhook receiver on loopback: records every POST, answers as scripted.

It listens on 127.0.0.2, which tests allow-list (`GENFIRE_FETCH_ALLOW_HOSTS`) as an
operator would for an internal receiver, so plain http is accepted for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

HOST = "127.0.0.2"


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    # Claim a longer body than is sent, then hold the connection open this long: a
    # receiver that accepted the event but never finishes its answer.
    trickle: float = 0.0


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes


@dataclass
class Receiver:
    port: int = 0
    # Answers for the next requests, in order; then `default`.
    script: list[Answer] = field(default_factory=list)
    default: Answer = field(default_factory=Answer)
    # Paths always answered the same way, outside the script (a sentinel endpoint's).
    fixed: dict[str, Answer] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    # Connections being answered (a slow answer is cut short when the receiver stops).
    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    def url(self, path: str = "/hooks") -> str:
        return f"http://{HOST}:{self.port}{path}"

    async def wait_for(
        self, count: int, within_seconds: float = 10, path: str | None = None
    ) -> list[Received]:
        """Wait until `count` requests have arrived in all (or for `path`, if given)."""
        deadline = asyncio.get_running_loop().time() + within_seconds
        while len(self.to(path) if path else self.received) < count:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"{len(self.received)} of {count} requests arrived")
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)
        return self.to(path) if path else list(self.received)

    def to(self, path: str) -> list[Received]:
        """The requests that arrived for `path`."""
        return [request for request in self.received if request.path == path]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.handlers.add(task)
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            lines = head.split("\r\n")
            path = lines[0].split(" ", 2)[1]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            if path in self.fixed:
                answer = self.fixed[path]
            else:
                answer = self.script.pop(0) if self.script else self.default
            self.received.append(Received(path, headers, body))
            self.arrived.set()
            if answer.delay:
                await asyncio.sleep(answer.delay)
            extra = "".join(f"{name}: {value}\r\n" for name, value in answer.headers.items())
            length = len(answer.body) + (100 if answer.trickle else 0)
            writer.write(
                f"HTTP/1.1 {answer.status} Status\r\nContent-Type: text/plain\r\n{extra}".encode()
                + f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode()
                + answer.body
            )
            await writer.drain()
            if answer.trickle:
                await asyncio.sleep(answer.trickle)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            if task is not None:
                self.handlers.discard(task)


@contextlib.asynccontextmanager
async def receiver(*script: Answer, port: int = 0) -> AsyncIterator[Receiver]:
    """A receiver answering `script`, then 200 `ok`; on `port` if given (one a stopped
    receiver used, to bring "the same" receiver back up)."""
    served = Receiver(script=list(script))
    server = await asyncio.start_server(served.handle, HOST, port, reuse_address=True)
    served.port = server.sockets[0].getsockname()[1]
    try:
        yield served
    finally:
        server.close()
        answering = list(served.handlers)
        for task in answering:
            task.cancel()
        await asyncio.gather(*answering, return_exceptions=True)
        await server.wait_closed()
