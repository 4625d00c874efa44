"""SSRF-guarded fetching against real sockets on loopback.

A sentinel socket on 127.0.0.1 (and ::1 when available) counts every connection it gets;
every unsafe URL in this module is aimed at it, and it must end the module having seen none.
Positive tests use a small HTTP server on 127.0.0.2 (Linux routes all of 127/8 to lo),
allowed with `127.0.0.2/32`, and one on 127.0.0.1 reached only as `localhost` when that
name is allow-listed. No mocks: real resolver, real httpx, real TCP and TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from genfire_server.kit.safe_http import (
    USER_AGENT,
    AllowList,
    FetchFailed,
    FetchLimits,
    UnsafeUrl,
    check_url,
    fetch_bytes,
    fetch_to_file,
    is_public_ip,
    safe_async_client,
)
from genfire_server.kit.safe_http.transport import _PinnedTransport
from genfire_server.kit.safe_http.urls import _Target

ALLOW_SERVER = AllowList.parse("127.0.0.2/32")
LIMITS = FetchLimits(max_bytes=4 * 1024 * 1024, timeout_seconds=5.0)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
MiB = 1024 * 1024


async def _exists(path: Path) -> bool:
    return await asyncio.to_thread(path.exists)


def _pattern(size: int) -> bytes:
    return (bytes(range(256)) * (size // 256 + 1))[:size]


# --- Real sockets ---------------------------------------------------------------------------


class Sentinel:
    """Listening sockets that count the connections they accept and answer nothing."""

    def __init__(self) -> None:
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port: int = self._sock.getsockname()[1]
        self._servers: list[asyncio.Server] = []

    async def start(self) -> None:
        self._servers.append(await asyncio.start_server(self._accept, sock=self._sock))
        # Best effort: the same port on ::1, so IPv6 loopback spellings are watched too.
        try:
            sock6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            sock6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock6.bind(("::1", self.port))
            sock6.listen(64)
        except OSError:
            return
        self._servers.append(await asyncio.start_server(self._accept, sock=sock6))

    async def _accept(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()

    async def settle(self) -> int:
        """The count once already-accepted connections have had their callbacks run."""
        for _ in range(5):
            await asyncio.sleep(0.01)
        return self.connections

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
            await server.wait_closed()


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class TinyHttp:
    """An HTTP/1.1 server with just the routes these tests need; one request per connection."""

    host: str
    tls: ssl.SSLContext | None = None
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def base(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split(" ")[1]
            headers = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            self.seen.append(Seen(target, headers))
            # Read any body: closing with unread input would reset the connection.
            await reader.readexactly(int(headers.get("content-length", "0")))
            await self._route(target, headers, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client gave up (timeouts, size caps): nothing to answer
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()

    async def _route(
        self, target: str, headers: dict[str, str], writer: asyncio.StreamWriter
    ) -> None:
        parts = urllib.parse.urlsplit(target)
        path, query = parts.path, urllib.parse.parse_qs(parts.query)
        first, _, rest = path.strip("/").partition("/")
        if first == "hello":
            await _respond(writer, 200, b"hello, world\n", "text/plain; charset=utf-8")
        elif first == "png":
            await _respond(writer, 200, PNG, "image/png")
        elif first == "size":
            await _respond(writer, 200, _pattern(int(rest)), "application/octet-stream")
        elif first == "chunked":
            await _respond_chunked(writer, _pattern(int(rest)))
        elif first == "slow":
            await asyncio.sleep(5)
            await _respond(writer, 200, b"late", "text/plain")
        elif first == "trickle":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            for _ in range(100):
                writer.write(b"x" * 1000)
                await writer.drain()
                await asyncio.sleep(0.1)
        elif first == "missing":
            await _respond(writer, 404, b"no such thing", "text/plain")
        elif first in ("redirect", "slow-redirect"):
            if first == "slow-redirect":
                await asyncio.sleep(0.15)
            left = int(rest)
            if left == 0:
                await _respond(writer, 200, b"arrived", "text/plain")
            else:
                await _respond(writer, 302, location=f"/{first}/{left - 1}")
        elif first == "to":
            status = int(query.get("status", ["302"])[0])
            await _respond(writer, status, location=query["u"][0])
        elif first == "cookie-to":
            extra = {"Set-Cookie": "session=s3cret; Path=/"}
            await _respond(writer, 302, location=query["u"][0], extra=extra)
        elif first == "echo":
            await _respond(writer, 200, json.dumps(headers).encode(), "application/json")
        elif first == "garbage":
            writer.write(b"this is not HTTP at all\r\n\r\n")
            await writer.drain()
        else:
            await _respond(writer, 404, b"unknown route", "text/plain")


async def _respond(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes = b"",
    content_type: str | None = None,
    *,
    location: str | None = None,
    extra: dict[str, str] | None = None,
) -> None:
    reason = {200: "OK", 404: "Not Found"}.get(status, "Whatever")
    head = [f"HTTP/1.1 {status} {reason}"]
    if content_type:
        head.append(f"Content-Type: {content_type}")
    if location:
        head.append(f"Location: {location}")
    for name, value in (extra or {}).items():
        head.append(f"{name}: {value}")
    head += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    writer.write("\r\n".join(head).encode("latin-1") + body)
    await writer.drain()


async def _respond_chunked(writer: asyncio.StreamWriter, body: bytes) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    step = 64 * 1024
    for start in range(0, len(body), step):
        chunk = body[start : start + step]
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()


@pytest.fixture(scope="module")
async def sentinel() -> AsyncIterator[Sentinel]:
    watcher = Sentinel()
    await watcher.start()
    yield watcher
    await watcher.stop()


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[TinyHttp]:
    """The allowed server: 127.0.0.2, permitted by ALLOW_SERVER."""
    http = TinyHttp("127.0.0.2")
    await http.start()
    yield http
    await http.stop()


@pytest.fixture(scope="module")
async def named() -> AsyncIterator[TinyHttp]:
    """On 127.0.0.1 (not the sentinel's port): reachable only as an allow-listed `localhost`."""
    http = TinyHttp("127.0.0.1")
    await http.start()
    yield http
    await http.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for the name `localhost` only (no IP addresses in it)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            *("req", "-x509", "-nodes", "-days", "2", "-newkey", "ec"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@dataclass
class TlsServers:
    by_name: TinyHttp  # 127.0.0.1, reached as https://localhost:port
    by_ip: TinyHttp  # 127.0.0.2, reached as https://127.0.0.2:port (not in the certificate)
    server_names: list[str | None]


@pytest.fixture(scope="module")
async def tls(certificate: tuple[Path, Path]) -> AsyncIterator[TlsServers]:
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)

    def record_sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        names.append(name)

    context.sni_callback = record_sni
    servers = TlsServers(TinyHttp("127.0.0.1", context), TinyHttp("127.0.0.2", context), names)
    await servers.by_name.start()
    await servers.by_ip.start()
    yield servers
    await servers.by_name.stop()
    await servers.by_ip.stop()


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "fetched.bin"


# --- The matrix: unsafe on its face, aimed at the sentinel ----------------------------------

UNSAFE_TEMPLATES = [
    "http://127.0.0.1:{port}/",
    "http://127.0.0.1:{port}/x?y=z",
    "https://127.0.0.1:{port}/",
    "http://localhost:{port}/",
    "http://LOCALHOST.:{port}/",
    "http://app.localhost:{port}/",
    "http://2130706433:{port}/",
    "http://0x7f000001:{port}/",
    "http://0x7F.0.0.1:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://127.1:{port}/",
    "http://127.0.1:{port}/",
    "http://127.0.0.1.:{port}/",
    "http://017700000001:{port}/",
    "http://[::1]:{port}/",
    "http://[0:0:0:0:0:0:0:1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::ffff:7f00:1]:{port}/",
    "http://[::127.0.0.1]:{port}/",
    "http://[64:ff9b::7f00:1]:{port}/",
    "http://[2002:7f00:1::]:{port}/",
    "http://[fe80::1%25lo]:{port}/",
    "http://0.0.0.0:{port}/",
    "http://0:{port}/",
    "http://[::]:{port}/",
    "http://example.com@127.0.0.1:{port}/",
    "http://user:pass@127.0.0.1:{port}/",
    "http://example.com:{port}@127.0.0.1:{port}/",
    "http://127.0.0.1:{port}\\@example.com/",
    "http://127.0.0.1:{port}#@example.com/",
    "http://127.0.0.1%00:{port}/",
    "http://127\u30020\u30020\u30021:{port}/",
    "http://\uff11\uff12\uff17.0.0.1:{port}/",
    "http:/127.0.0.1:{port}/",
    "http:///127.0.0.1:{port}/",
    "file:///etc/passwd",
    "file://127.0.0.1:{port}/etc/passwd",
    "gopher://127.0.0.1:{port}/_GET%20/",
    "ftp://127.0.0.1:{port}/",
    "dict://127.0.0.1:{port}/",
    "ws://127.0.0.1:{port}/",
    "//127.0.0.1:{port}/",
    "127.0.0.1:{port}",
    "",
]


@pytest.mark.parametrize("template", UNSAFE_TEMPLATES)
async def test_unsafe_targets_are_refused_without_connecting(
    sentinel: Sentinel, template: str, dest: Path
) -> None:
    url = template.format(port=sentinel.port)
    with pytest.raises(UnsafeUrl) as refused:
        check_url(url, ALLOW_SERVER)
    assert refused.value.status == 400 and refused.value.code == "unsafe_url"
    with pytest.raises((FetchFailed, UnsafeUrl)):
        await fetch_bytes(url, allow=ALLOW_SERVER, limits=LIMITS)
    with pytest.raises((FetchFailed, UnsafeUrl)):
        await fetch_to_file(url, dest, allow=ALLOW_SERVER, limits=LIMITS)
    assert not await _exists(dest)
    async with safe_async_client(ALLOW_SERVER, timeout=5) as client:
        with pytest.raises((httpx.ConnectError, httpx.UnsupportedProtocol, httpx.InvalidURL)):
            await client.get(url)
    assert await sentinel.settle() == 0


@pytest.mark.parametrize(
    "template",
    [
        "http://127.0.0.1:{port}/",
        "http://localhost:{port}/",
        "http://[::1]:{port}/",
        "http://2130706433:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:{port}/",
    ],
)
async def test_redirects_to_unsafe_targets_fail_without_connecting(
    sentinel: Sentinel, server: TinyHttp, template: str, dest: Path
) -> None:
    target = template.format(port=sentinel.port)
    url = f"{server.base}/to?u={urllib.parse.quote(target, safe='')}"
    with pytest.raises(FetchFailed) as failed:
        await fetch_bytes(url, allow=ALLOW_SERVER, limits=LIMITS)
    assert "redirected to" in failed.value.message and "refused" in failed.value.message
    with pytest.raises(FetchFailed):
        await fetch_to_file(url, dest, allow=ALLOW_SERVER, limits=LIMITS)
    assert not await _exists(dest)
    assert await sentinel.settle() == 0


async def test_a_client_following_a_redirect_by_hand_is_still_checked(
    sentinel: Sentinel, server: TinyHttp
) -> None:
    target = f"http://127.0.0.1:{sentinel.port}/"
    async with safe_async_client(ALLOW_SERVER, timeout=5) as client:
        response = await client.get(f"{server.base}/to?u={urllib.parse.quote(target)}")
        assert response.status_code == 302  # not followed automatically
        with pytest.raises(httpx.ConnectError, match="refused"):
            await client.get(response.headers["location"])
        # Even a caller that asks httpx to follow gets every hop checked.
        with pytest.raises(httpx.ConnectError):
            await client.get(
                f"{server.base}/to?u={urllib.parse.quote(target)}", follow_redirects=True
            )
    assert await sentinel.settle() == 0


async def test_the_sentinel_counts_connections() -> None:
    """Control: a fresh sentinel does see a connection, so a zero count means something."""
    watcher = Sentinel()
    await watcher.start()
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", watcher.port)
        writer.close()
        assert await watcher.settle() == 1
    finally:
        await watcher.stop()


# --- Which addresses are public -------------------------------------------------------------


# fmt: off
REFUSED_ADDRESSES = [
    # private, loopback, link-local (cloud metadata), CGNAT, multicast, reserved
    "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.1.1",
    "127.0.0.1", "127.255.255.254", "169.254.169.254", "169.254.0.1",
    "100.64.0.1", "100.127.255.255", "224.0.0.1", "239.255.255.250", "240.0.0.1",
    # unspecified, broadcast, benchmarking, documentation, IETF, 6to4 relay
    "0.0.0.0", "0.1.2.3", "255.255.255.255", "198.18.0.1", "198.19.255.255",  # noqa: S104
    "192.0.2.1", "198.51.100.7", "203.0.113.9", "192.0.0.8", "192.88.99.1",
    # loopback, unspecified, unique-local, link-local, site-local, multicast
    "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1", "ff02::1",
    "ff0e::1",
    # IPv4-mapped (even of a public address), IPv4-compatible, 6to4, Teredo, NAT64
    "::ffff:10.0.0.1", "::ffff:8.8.8.8", "::ffff:127.0.0.1", "::127.0.0.1",
    "2002:7f00:1::", "2002:808:808::1", "2001:0::", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "64:ff9b::7f00:1", "64:ff9b::808:808", "64:ff9b:1::1",
    # documentation, discard-only, IETF-reserved, a zone id on link-local
    "2001:db8::1", "3fff::1", "100::1", "2001:2::1", "fe80::1%eth0",
]
BAD_ALLOW_ENTRIES = [
    "*.example.com", "10.0.0.0/33", "http://files.internal", "exa mple.com", "10.1",
    "-bad-.com", "1.2.3.4/8/8", "fe80::zz", "a..b", "under_score-.com",
]
# fmt: on


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_refused_address_classes(address: str) -> None:
    assert is_public_ip(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "2001:4860:4860::8888"],
)
def test_public_addresses(address: str) -> None:
    assert is_public_ip(ipaddress.ip_address(address)) is True


# --- check_url details ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/image.png",
        "http://example.com:8080/a/b?c=d#e",
        "HTTPS://CDN.Example.COM/x",
        "https://example.com./x",
        "https://münchen.de/bild.png",
        "http://8.8.8.8/",
        "http://[2606:4700:4700::1111]/",
        "https://my_bucket.s3.amazonaws.com/key",
    ],
)
def test_public_urls_pass(url: str) -> None:
    check_url(url, AllowList())


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://intranet/", "not a fully qualified host name"),
        ("http://printer.local/", "local host name"),
        ("http://metadata.google.internal/", "local host name"),
        ("http://nas.home.arpa/", "local host name"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://100.100.100.200/", "carrier-grade NAT"),
        ("http://134744072/", "unusual spelling of 8.8.8.8"),
        ("http://1.2.3.4.5/", "not a valid IPv4 address"),
        ("http://example.com:0/", "out of range"),
        ("http://example.com:99999/", "out of range"),
        ("http://exa mple.com/", "spaces"),
        ("http://example.com/\x00", "control characters"),
        ("https://" + "a" * 2100 + ".com/", "longer than 2048"),
    ],
)
def test_check_url_says_why(url: str, why: str) -> None:
    with pytest.raises(UnsafeUrl) as refused:
        check_url(url, AllowList())
    assert why in refused.value.detail


def test_details_do_not_echo_long_urls_or_secrets() -> None:
    url = "http://user:hunter2@127.0.0.1/" + "p" * 5000 + "?token=signature"
    with pytest.raises(UnsafeUrl) as refused:
        check_url(url, AllowList())
    detail = refused.value.detail
    assert len(detail) < 320
    assert refused.value.body("req_1")["code"] == "unsafe_url"
    assert "hunter2" not in detail and "signature" not in detail


def test_allow_list_lets_exactly_its_entries_through() -> None:
    allow = AllowList.parse("files.internal, 10.1.0.0/16, fd00::/8, localhost")
    check_url("http://files.internal/a.png", allow)
    check_url("http://FILES.INTERNAL./a.png", allow)
    check_url("http://10.1.2.3:9000/a.png", allow)
    check_url("http://[fd00::5]/a.png", allow)
    check_url("http://localhost:8080/", allow)
    for refused in (
        "http://other.internal/",
        "http://sub.files.internal/",
        "http://10.2.0.1/",
        "http://127.0.0.1/",
        "http://app.localhost/",
        # Odd spellings stay refused even for allowed addresses: nobody needs them.
        "http://167838211/",
        "http://file:x@files.internal/",
    ):
        with pytest.raises(UnsafeUrl):
            check_url(refused, allow)


# --- AllowList ------------------------------------------------------------------------------


def test_allow_list_parse() -> None:
    allow = AllowList.parse(" Files.Internal. , ,10.1.0.0/16,127.0.0.2, [::1], 2001:db8::/32 ,")
    assert allow.hosts == frozenset({"files.internal"})
    assert [str(net) for net in allow.networks] == [
        "10.1.0.0/16",
        "127.0.0.2/32",
        "::1/128",
        "2001:db8::/32",
    ]
    assert AllowList.parse("") == AllowList() == AllowList.parse(" , ")


@pytest.mark.parametrize("entry", BAD_ALLOW_ENTRIES)
def test_allow_list_parse_names_bad_entries(entry: str) -> None:
    with pytest.raises(ValueError, match="GENFIRE_FETCH_ALLOW_HOSTS") as error:
        AllowList.parse(f"good.example, {entry}, 10.0.0.0/8")
    assert repr(entry) in str(error.value)
    assert "good.example" not in str(error.value)


def test_allows_ip_and_allows_host() -> None:
    allow = AllowList.parse("10.1.0.0/16, 127.0.0.2/32, fd00::/8, files.internal")
    ip = ipaddress.ip_address
    assert allow.allows_ip(ip("10.1.255.255")) and allow.allows_ip(ip("127.0.0.2"))
    assert not allow.allows_ip(ip("10.2.0.0")) and not allow.allows_ip(ip("127.0.0.1"))
    assert allow.allows_ip(ip("fd00::1")) and not allow.allows_ip(ip("fe80::1"))
    # No cross-family matching: a mapped address is not the IPv4 address it embeds.
    assert not allow.allows_ip(ip("::ffff:127.0.0.2"))
    assert allow.allows_host("FILES.internal") and allow.allows_host("files.internal.")
    assert not allow.allows_host("x.files.internal") and not allow.allows_host("internal")
    assert allow.allows_host("10.1.0.9") and allow.allows_host("[fd00::2]")
    assert not allow.allows_host("10.3.0.9")
    assert not AllowList().allows_ip(ip("8.8.8.8"))


# --- Fetching from the allowed server -------------------------------------------------------


async def test_fetch_bytes(server: TinyHttp) -> None:
    fetched = await fetch_bytes(f"{server.base}/png", allow=ALLOW_SERVER, limits=LIMITS)
    assert fetched.content == PNG and fetched.size_bytes == len(PNG)
    assert fetched.content_type == "image/png" and fetched.path is None
    assert fetched.final_url == f"{server.base}/png"
    text = await fetch_bytes(f"{server.base}/hello", allow=ALLOW_SERVER, limits=LIMITS)
    assert text.content == b"hello, world\n"
    assert text.content_type == "text/plain; charset=utf-8"


async def test_fetch_to_file_streams_to_disk(server: TinyHttp, dest: Path) -> None:
    size = 2 * MiB + 12345  # several write batches, chunked transfer
    fetched = await fetch_to_file(
        f"{server.base}/chunked/{size}", dest, allow=ALLOW_SERVER, limits=LIMITS
    )
    assert fetched.path == dest and fetched.content is None
    assert fetched.size_bytes == size and await asyncio.to_thread(dest.read_bytes) == _pattern(size)
    assert fetched.content_type == "application/octet-stream"


async def test_exactly_the_size_cap_is_fine(server: TinyHttp) -> None:
    limits = FetchLimits(max_bytes=1000, timeout_seconds=5)
    fetched = await fetch_bytes(f"{server.base}/size/1000", allow=ALLOW_SERVER, limits=limits)
    assert fetched.content == _pattern(1000)


@pytest.mark.parametrize("route", ["size", "chunked"])
async def test_size_cap(server: TinyHttp, dest: Path, route: str) -> None:
    limits = FetchLimits(max_bytes=2 * MiB, timeout_seconds=5)
    url = f"{server.base}/{route}/{3 * MiB}"
    with pytest.raises(FetchFailed, match="is larger than 2 MB"):
        await fetch_bytes(url, allow=ALLOW_SERVER, limits=limits)
    with pytest.raises(FetchFailed, match="is larger than 2 MB"):
        await fetch_to_file(url, dest, allow=ALLOW_SERVER, limits=limits)
    assert not await _exists(dest)


async def test_declared_size_is_refused_before_the_body_is_read(server: TinyHttp) -> None:
    limits = FetchLimits(max_bytes=10, timeout_seconds=5)
    with pytest.raises(FetchFailed, match="larger than 10 bytes"):
        await fetch_bytes(f"{server.base}/size/11", allow=ALLOW_SERVER, limits=limits)


@pytest.mark.parametrize("route", ["slow", "trickle"])
async def test_time_cap(server: TinyHttp, dest: Path, route: str) -> None:
    limits = FetchLimits(max_bytes=MiB, timeout_seconds=0.3)
    started = time.monotonic()
    with pytest.raises(FetchFailed, match=r"timed out after 0\.3 s"):
        await fetch_to_file(f"{server.base}/{route}", dest, allow=ALLOW_SERVER, limits=limits)
    assert time.monotonic() - started < 2
    assert not await _exists(dest)


async def test_time_cap_covers_the_whole_redirect_chain(server: TinyHttp) -> None:
    # Each hop takes 0.15 s, well inside the limit; four of them are not.
    limits = FetchLimits(max_bytes=MiB, timeout_seconds=0.4)
    url = f"{server.base}/slow-redirect/3"
    with pytest.raises(FetchFailed, match="timed out"):
        await fetch_bytes(url, allow=ALLOW_SERVER, limits=limits)
    fetched = await fetch_bytes(url, allow=ALLOW_SERVER, limits=LIMITS)
    assert fetched.content == b"arrived"


async def test_error_status_fails_with_the_status(server: TinyHttp, dest: Path) -> None:
    url = f"{server.base}/missing"
    with pytest.raises(FetchFailed) as failed:
        await fetch_bytes(url, allow=ALLOW_SERVER, limits=LIMITS)
    assert failed.value.message == f"{url} answered 404 (Not Found)"
    assert failed.value.code == "input_fetch_failed"
    with pytest.raises(FetchFailed, match="404"):
        await fetch_to_file(url, dest, allow=ALLOW_SERVER, limits=LIMITS)
    assert not await _exists(dest)


async def test_transport_errors_become_fetch_failed(server: TinyHttp) -> None:
    with pytest.raises(FetchFailed, match="failed"):
        await fetch_bytes(f"{server.base}/garbage", allow=ALLOW_SERVER, limits=LIMITS)
    closed = socket.socket()
    closed.bind(("127.0.0.2", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(FetchFailed, match="could not be reached"):
        await fetch_bytes(f"http://127.0.0.2:{port}/", allow=ALLOW_SERVER, limits=LIMITS)


@pytest.mark.parametrize("hops", [1, 3, 5])
async def test_redirect_chains_within_the_limit(server: TinyHttp, hops: int) -> None:
    fetched = await fetch_bytes(f"{server.base}/redirect/{hops}", allow=ALLOW_SERVER, limits=LIMITS)
    assert fetched.content == b"arrived"
    assert fetched.final_url == f"{server.base}/redirect/0"


async def test_too_many_redirects(server: TinyHttp, dest: Path) -> None:
    with pytest.raises(FetchFailed, match="too many redirects"):
        await fetch_bytes(f"{server.base}/redirect/6", allow=ALLOW_SERVER, limits=LIMITS)
    strict = FetchLimits(max_bytes=MiB, timeout_seconds=5, max_redirects=0)
    with pytest.raises(FetchFailed, match="too many redirects"):
        await fetch_to_file(f"{server.base}/redirect/1", dest, allow=ALLOW_SERVER, limits=strict)
    assert not await _exists(dest)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_every_redirect_status_is_followed(server: TinyHttp, status: int) -> None:
    url = f"{server.base}/to?status={status}&u=/hello"
    fetched = await fetch_bytes(url, allow=ALLOW_SERVER, limits=LIMITS)
    assert fetched.content == b"hello, world\n"


async def test_headers_sent(server: TinyHttp) -> None:
    fetched = await fetch_bytes(f"{server.base}/echo", allow=ALLOW_SERVER, limits=LIMITS)
    assert fetched.content is not None
    headers = json.loads(fetched.content)
    assert headers["user-agent"] == USER_AGENT == "GenFire-Server/0.1 (+input fetch)"
    assert headers["host"] == f"127.0.0.2:{server.port}"
    assert "cookie" not in headers and "authorization" not in headers
    assert headers["accept-encoding"] == "identity"  # the file as stored, no decoding bombs


# --- Host names: allow-listing, pinning, cookies, TLS ---------------------------------------


async def test_allow_listing_localhost_permits_exactly_that_name(
    named: TinyHttp, sentinel: Sentinel
) -> None:
    allow = AllowList.parse("localhost")
    fetched = await fetch_bytes(f"http://localhost:{named.port}/echo", allow=allow, limits=LIMITS)
    assert fetched.content is not None
    # Connected to the checked address, but the server still sees the name it was asked for.
    assert json.loads(fetched.content)["host"] == f"localhost:{named.port}"
    upper = await fetch_bytes(f"http://LocalHost:{named.port}/hello", allow=allow, limits=LIMITS)
    assert upper.content == b"hello, world\n"
    for other in (
        f"http://127.0.0.1:{named.port}/hello",
        f"http://app.localhost:{named.port}/hello",
        f"http://[::1]:{named.port}/hello",
        f"http://2130706433:{named.port}/hello",
    ):
        with pytest.raises(UnsafeUrl):
            check_url(other, allow)
        with pytest.raises(FetchFailed):
            await fetch_bytes(other, allow=allow, limits=LIMITS)
    with pytest.raises(UnsafeUrl):
        check_url(f"http://localhost:{named.port}/hello", AllowList())
    assert await sentinel.settle() == 0


async def test_host_is_resolved_once_per_hop(
    named: TinyHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection goes to the address that was checked: nothing resolves the name again
    (which is what would let a rebinding DNS server swap in a private address)."""
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo
    asked: list[object] = []

    async def counting(*args: object, **kwargs: object) -> object:
        asked.append(args[0])
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "getaddrinfo", counting)
    allow = AllowList.parse("localhost")
    here = f"http://localhost:{named.port}"
    url = f"{here}/to?u={urllib.parse.quote(here + '/hello', safe='')}"
    fetched = await fetch_bytes(url, allow=allow, limits=LIMITS)
    assert fetched.content == b"hello, world\n"
    assert asked == ["localhost", "localhost"]  # two hops, one lookup each


async def test_names_resolving_to_private_addresses_are_refused(named: TinyHttp) -> None:
    """The run-time check, with the real resolver: `localhost` passes no URL check here (the
    transport's own check would refuse it first), so its resolution step is driven directly."""
    request = httpx.Request("GET", f"http://localhost:{named.port}/")
    target = _Target("http", "localhost", None, named.port)
    with pytest.raises(httpx.ConnectError, match="resolved to a private or reserved address"):
        await _PinnedTransport(AllowList())._resolve(target, request)
    # A CIDR entry covering the answer lets it through, as does the name itself.
    by_net = await _PinnedTransport(AllowList.parse("127.0.0.0/8, ::1"))._resolve(target, request)
    assert ipaddress.ip_address("127.0.0.1") in by_net
    by_name = await _PinnedTransport(AllowList.parse("localhost"))._resolve(target, request)
    assert by_name == by_net
    missing = _Target("http", "does-not-exist.invalid", None, 80)
    with pytest.raises(httpx.ConnectError, match="could not be resolved"):
        await _PinnedTransport(AllowList())._resolve(missing, request)


async def test_cookies_do_not_cross_hosts(server: TinyHttp, named: TinyHttp) -> None:
    allow = AllowList.parse("127.0.0.2/32, localhost")
    # Control: on the same host the cookie comes back, so its absence below means something.
    same = await fetch_bytes(f"{server.base}/cookie-to?u=/echo", allow=allow, limits=LIMITS)
    assert same.content is not None
    assert json.loads(same.content).get("cookie") == "session=s3cret"
    elsewhere = f"http://localhost:{named.port}/echo"
    other = await fetch_bytes(
        f"{server.base}/cookie-to?u={urllib.parse.quote(elsewhere, safe='')}",
        allow=allow,
        limits=LIMITS,
    )
    assert other.content is not None and other.final_url == elsewhere
    assert "cookie" not in json.loads(other.content)


async def test_https_verifies_the_name_while_connecting_to_the_pinned_address(
    tls: TlsServers, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    allow = AllowList.parse("localhost, 127.0.0.2/32")
    # The certificate names only `localhost`: this works only if TLS was told the name (SNI
    # and verification) although the socket was opened to 127.0.0.1.
    fetched = await fetch_bytes(
        f"https://localhost:{tls.by_name.port}/hello", allow=allow, limits=LIMITS
    )
    assert fetched.content == b"hello, world\n"
    assert "localhost" in tls.server_names
    # Verification is really on: an address the certificate does not name is rejected.
    with pytest.raises(FetchFailed, match="could not be reached"):
        await fetch_bytes(f"https://127.0.0.2:{tls.by_ip.port}/hello", allow=allow, limits=LIMITS)


async def test_safe_async_client_works_for_allowed_targets(server: TinyHttp) -> None:
    async with safe_async_client(ALLOW_SERVER, timeout=5) as client:
        response = await client.post(f"{server.base}/echo", content=b"{}")
        assert response.status_code == 200
        assert response.json()["user-agent"] == USER_AGENT
        assert response.request.url == httpx.URL(f"{server.base}/echo")


# --- Last: the whole module -----------------------------------------------------------------


async def test_sentinel_saw_no_connection_across_the_whole_module(sentinel: Sentinel) -> None:
    assert await sentinel.settle() == 0
