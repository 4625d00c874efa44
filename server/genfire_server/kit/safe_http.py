"""Outbound HTTP that cannot be aimed at the server's own network (SSRF protection).

Every URL a request names, and every request the server makes on its own behalf, goes
through here. Three layers, because each one alone has known gaps:

1. `check_url`, at request time and without DNS: the URL itself must name a public target.
   It catches the obvious attacks (and odd spellings of them such as `http://2130706433/`)
   early, as a 400 `unsafe_url`.
2. `_PinnedTransport`, on every hop: the host name is resolved once, every address it
   resolves to must be public, and the connection goes to that checked address. Nothing
   resolves the name a second time, so a DNS answer that changes between check and
   connect (DNS rebinding) cannot redirect the connection.
3. The fetch loop: redirects are followed by hand, each one checked like a new URL, with a
   size cap while streaming and one time limit over the whole fetch.

`GENFIRE_FETCH_ALLOW_HOSTS` (an `AllowList`) is the operator's only way through: host names
(exact) or CIDRs. See `docs/safe-fetching.md`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import socket
import ssl
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import httpx

from genfire_server.kit.errors import GenFireError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

USER_AGENT = "GenFire-Server/0.1 (+input fetch)"
MAX_URL_LENGTH = 2048
# Error messages show at most this much of a URL: they end up in run records and logs.
_SHOWN_URL_CHARS = 200
_WRITE_BUFFER_BYTES = 1024 * 1024

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network
# First match wins, so narrower entries come before the ranges that contain them.
# Explicit tables rather than `ipaddress.is_private`/`is_global`, whose lists changed across
# Python patch releases (3.11.10, 3.12.4, 3.13) and leave multicast "global".
_REFUSED_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/8"), "an unspecified"),
    (_V4("10.0.0.0/8"), "a private"),
    (_V4("100.64.0.0/10"), "a carrier-grade NAT"),
    (_V4("127.0.0.0/8"), "a loopback"),
    (_V4("169.254.0.0/16"), "a link-local"),
    (_V4("172.16.0.0/12"), "a private"),
    (_V4("192.0.0.0/24"), "an IETF-reserved"),
    (_V4("192.0.2.0/24"), "a documentation"),
    (_V4("192.88.99.0/24"), "a 6to4 relay"),
    (_V4("192.168.0.0/16"), "a private"),
    (_V4("198.18.0.0/15"), "a benchmarking"),
    (_V4("198.51.100.0/24"), "a documentation"),
    (_V4("203.0.113.0/24"), "a documentation"),
    (_V4("224.0.0.0/4"), "a multicast"),
    (_V4("255.255.255.255/32"), "the broadcast"),
    (_V4("240.0.0.0/4"), "a reserved"),
)
# Addresses that embed an IPv4 address (mapped, compatible, 6to4, Teredo, NAT64) are refused
# as a class: whether they reach a private host depends on the network, not on the bits.
_REFUSED_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "an unspecified"),
    (_V6("::1/128"), "a loopback"),
    (_V6("::ffff:0:0/96"), "an IPv4-mapped"),
    (_V6("::/96"), "an IPv4-compatible"),
    (_V6("64:ff9b::/96"), "a NAT64"),
    (_V6("64:ff9b:1::/48"), "a NAT64"),
    (_V6("100::/64"), "a discard-only"),
    (_V6("2001::/32"), "a Teredo"),
    (_V6("2001:db8::/32"), "a documentation"),
    (_V6("2001::/23"), "an IETF-reserved"),
    (_V6("2002::/16"), "a 6to4"),
    (_V6("3fff::/20"), "a documentation"),
    (_V6("fc00::/7"), "a unique-local (private)"),
    (_V6("fe80::/10"), "a link-local"),
    (_V6("fec0::/10"), "a site-local"),
    (_V6("ff00::/8"), "a multicast"),
)
# Only global unicast space is routable on the internet; everything else is reserved.
_GLOBAL_UNICAST_V6 = _V6("2000::/3")

# Names that by convention resolve inside the host or the local network. Refusing them at
# request time gives a clear 400 instead of a run that fails later on resolution.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")


def _refusal(ip: IPAddress) -> str | None:
    """What kind of non-public address `ip` is ("a loopback"), or None when it is public."""
    if isinstance(ip, ipaddress.IPv4Address):
        for net4, kind in _REFUSED_V4:
            if ip in net4:
                return kind
    else:
        for net6, kind in _REFUSED_V6:
            if ip in net6:
                return kind
        if ip not in _GLOBAL_UNICAST_V6:
            return "a reserved"
    # Belt and braces: whatever the running Python also considers non-global stays refused.
    return None if ip.is_global else "a reserved"


def is_public_ip(ip: IPAddress) -> bool:
    """True only for addresses on the public internet, i.e. safe for the server to reach."""
    return _refusal(ip) is None


class UnsafeUrl(GenFireError):
    """A URL the server refuses to fetch, found before anything was sent."""

    status = 400
    code = "unsafe_url"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Cannot fetch {_shown(url)}: {reason}.")
        self.reason = reason


class FetchFailed(Exception):
    """A fetch that was attempted and failed; the run fails with `input_fetch_failed`."""

    code: ClassVar[str] = "input_fetch_failed"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Refused(httpx.ConnectError):
    """The transport would not connect. A ConnectError, so provider adapters that handle
    httpx errors handle this one too."""


@dataclass(frozen=True)
class AllowList:
    """Targets the operator permits although they are not public (`GENFIRE_FETCH_ALLOW_HOSTS`).

    Host names match exactly (case-insensitive, no wildcards); networks match any address in
    them, whether written in the URL or resolved from a name.
    """

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, text: str) -> AllowList:
        """Parse "files.internal, 10.1.0.0/16, 127.0.0.2/32"; a bad entry raises ValueError."""
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        bad: list[str] = []
        for raw in text.split(","):
            entry = raw.strip()
            if not entry:
                continue
            bare = entry[1:-1] if entry.startswith("[") and entry.endswith("]") else entry
            if ":" in bare or "/" in bare or re.fullmatch(r"[0-9.]+", bare):
                try:
                    networks.append(ipaddress.ip_network(bare, strict=False))
                except ValueError:
                    bad.append(entry)
            elif (name := _normal_name(bare)) is not None:
                hosts.add(name)
            else:
                bad.append(entry)
        if bad:
            shown = ", ".join(repr(entry[:100]) for entry in bad)
            raise ValueError(
                f"GENFIRE_FETCH_ALLOW_HOSTS: not a host name or CIDR: {shown} "
                "(write host names exactly, e.g. files.internal, or networks as 10.1.0.0/16)"
            )
        return cls(hosts=frozenset(hosts), networks=tuple(networks))

    def allows_host(self, host: str) -> bool:
        """True when `host` is listed by name, or is an IP literal inside a listed network."""
        bare = host.strip().lower()
        if bare.startswith("[") and bare.endswith("]"):
            bare = bare[1:-1]
        if bare.endswith("."):
            bare = bare[:-1]
        if bare in self.hosts:
            return True
        try:
            return self.allows_ip(ipaddress.ip_address(bare))
        except ValueError:
            return False

    def allows_ip(self, ip: IPAddress) -> bool:
        """True when `ip` falls inside one of the listed networks."""
        return any(ip.version == net.version and ip in net for net in self.networks)


@dataclass(frozen=True)
class FetchLimits:
    """Per-capability limits on one fetch; the timeout covers every redirect hop."""

    max_bytes: int
    timeout_seconds: float
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    """What a fetch produced: a file (`fetch_to_file`) or bytes (`fetch_bytes`)."""

    path: Path | None
    content: bytes | None
    content_type: str | None
    size_bytes: int
    final_url: str


# --- URL checks ---------------------------------------------------------------------------


class _Reject(Exception):
    """Internal: why a URL is unsafe, raised where the original URL string is not at hand."""


def _shown(url: str) -> str:
    """A URL as error messages may show it: no userinfo, no query, at most ~200 characters.

    Queries are dropped because presigned URLs carry their signature there.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        text = f"{parts.scheme}://{netloc}{parts.path}" + ("?…" if parts.query else "")
    except ValueError:
        text = url
    text = "".join(ch if ch.isprintable() and not ch.isspace() else "?" for ch in text)
    return text if len(text) <= _SHOWN_URL_CHARS else text[: _SHOWN_URL_CHARS - 1] + "…"


def _normal_name(host: str) -> str | None:
    """`host` lowercased without a trailing dot if it is a valid DNS name, else None."""
    name = host.lower()
    if name.endswith("."):
        name = name[:-1]
    if not name or len(name) > 253:
        return None
    return name if all(_LABEL.fullmatch(label) for label in name.split(".")) else None


def _loose_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Decode the inet_aton spellings a resolver accepts (`2130706433`, `0x7f.1`, `0177.0.0.1`).

    Returns None when the host is numeric but no valid address.
    """
    parts = host.split(".")
    if parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        if not _NUMBER.fullmatch(part):
            return None
        if part[:2].lower() == "0x":
            values.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            if not re.fullmatch(r"[0-7]+", part):
                return None
            values.append(int(part, 8))
        else:
            values.append(int(part))
    # The last part fills all the bytes the earlier ones did not name.
    *head, last = values
    if any(value > 255 for value in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for index, value in enumerate(head):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _host_ip(host: str) -> IPAddress | None:
    """The IP literal `host` names (raising _Reject for odd spellings), or None for a name."""
    if ":" in host:  # only a bracketed IPv6 literal gets a colon past httpx's parser
        if "%" in host:
            raise _Reject("IPv6 zone ids are not accepted")
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise _Reject(f"{host[:60]} is not a valid IPv6 address") from None
    labels = host.split(".")
    last = labels[-1] or (labels[-2] if len(labels) > 1 else "")
    # Like the WHATWG URL parser: a host ending in a number is an IPv4 address or invalid,
    # because that is how resolvers will read it.
    if not _NUMBER.fullmatch(last):
        return None
    try:
        canonical = ipaddress.IPv4Address(host)
    except ValueError:
        decoded = _loose_ipv4(host)
        if decoded is None:
            raise _Reject(f"{host[:60]} is not a valid IPv4 address") from None
        raise _Reject(
            f"{host[:60]} is an unusual spelling of {decoded}; write addresses as dotted decimal"
        ) from None
    return canonical


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # ASCII, lowercased, no trailing dot: what DNS is asked and SNI is sent
    ip: IPAddress | None  # set when the URL names an address rather than a host name
    port: int


def _check_target(url: httpx.URL, allow: AllowList) -> _Target:
    """The URL-only checks shared by `check_url` and the transport (which sees every hop)."""
    scheme = url.scheme.lower()
    if scheme not in ("http", "https"):
        raise _Reject("only http and https URLs can be fetched")
    if url.userinfo:
        # `http://trusted.example@127.0.0.1/` reads as one host and connects to another.
        raise _Reject("URLs with a user name or password are not accepted")
    raw_host = url.raw_host.decode("ascii", errors="replace").lower()
    if not raw_host:
        raise _Reject("the URL has no host")
    port = url.port if url.port is not None else (443 if scheme == "https" else 80)
    if not 1 <= port <= 65535:
        raise _Reject(f"port {port} is out of range")
    ip = _host_ip(raw_host)
    if ip is not None:
        kind = _refusal(ip)
        if kind is not None and not allow.allows_ip(ip):
            raise _Reject(f"{ip} is {kind} address")
        return _Target(scheme, str(ip), ip, port)
    name = _normal_name(raw_host)
    if name is None:
        raise _Reject(f"{raw_host[:60]} is not a valid host name")
    if not allow.allows_host(name):
        if name == "localhost" or name.endswith(_LOCAL_SUFFIXES):
            raise _Reject(f"{name} is a local host name")
        if "." not in name:
            raise _Reject(f"{name} is not a fully qualified host name")
    return _Target(scheme, name, None, port)


def _parse(url: str) -> httpx.URL:
    if not isinstance(url, str) or not url:
        raise _Reject("the URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise _Reject(f"the URL is longer than {MAX_URL_LENGTH} characters")
    # Parsers disagree on whitespace, control characters and backslashes (browsers read
    # `\` as `/`), which is how one URL names different hosts to different code.
    if any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in url):
        raise _Reject("the URL contains spaces, control characters or backslashes")
    scheme = url.partition(":")[0].lower()
    if scheme not in ("http", "https"):
        raise _Reject("only http and https URLs can be fetched")
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        host = urllib.parse.urlsplit(url).hostname or ""
        if host and _NUMBER.fullmatch(host.split(".")[-1] or "x"):
            decoded = _loose_ipv4(host)
            if decoded is not None:
                raise _Reject(
                    f"{host[:60]} is an unusual spelling of {decoded}; "
                    "write addresses as dotted decimal"
                ) from None
        raise _Reject("it is not a valid URL") from None


def check_url(url: str, allow: AllowList) -> None:
    """Refuse a URL that is unsafe on its face; no DNS lookups, so it is cheap at request time.

    Raises UnsafeUrl (400 `unsafe_url`). A URL that passes can still fail when fetched, when
    its host turns out to resolve to a private address.
    """
    try:
        _check_target(_parse(url), allow)
    except _Reject as exc:
        raise UnsafeUrl(url, str(exc)) from None


# --- The resolve-check-pin transport ------------------------------------------------------


class _PinnedTransport(httpx.AsyncBaseTransport):
    """Checks every request's URL, resolves its host once, and connects to the checked IP.

    The request keeps its Host header, and for https the `sni_hostname` extension (honoured
    by httpcore's connection setup) makes TLS send and verify the host name, not the IP.
    """

    def __init__(self, allow: AllowList) -> None:
        self._allow = allow
        # One pool per (scheme, host, port): httpcore pools connections by the address it
        # dialled, and a TLS connection verified for one name must not serve another name
        # that happens to share the address.
        self._pools: dict[tuple[str, str, int], httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            target = _check_target(request.url, self._allow)
        except _Reject as exc:
            raise _Refused(
                f"{_shown(str(request.url))} is refused: {exc}", request=request
            ) from None
        addresses = await self._resolve(target, request)
        pool = await self._pool(target)
        extensions = dict(request.extensions)
        if target.scheme == "https" and target.ip is None:
            extensions["sni_hostname"] = target.host
        for index, ip in enumerate(addresses):
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=str(ip)),
                headers=request.headers,  # carries Host: the name, not the IP
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return await pool.handle_async_request(pinned)
            except httpx.ConnectError:
                # All addresses were checked, so trying the next one is as safe as the first
                # (a name with a dead IPv6 address and a live IPv4 one still works).
                if index == len(addresses) - 1:
                    raise
        raise _Refused(f"{target.host} has no addresses", request=request)

    async def _resolve(self, target: _Target, request: httpx.Request) -> list[IPAddress]:
        if target.ip is not None:
            return [target.ip]
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(
                target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except (socket.gaierror, UnicodeError) as exc:
            raise _Refused(
                f"{_shown(str(request.url))} could not be resolved ({target.host})",
                request=request,
            ) from exc
        addresses: list[IPAddress] = []
        for info in infos:
            ip = ipaddress.ip_address(str(info[4][0]))
            if ip not in addresses:
                addresses.append(ip)
        if not self._allow.allows_host(target.host):
            # Any one bad address refuses the name: which address a client ends up using is
            # not under our control once several are published.
            for ip in addresses:
                if not is_public_ip(ip) and not self._allow.allows_ip(ip):
                    raise _Refused(
                        f"{_shown(str(request.url))} resolved to a private or reserved address",
                        request=request,
                    )
        if not addresses:
            raise _Refused(f"{target.host} has no addresses", request=request)
        return addresses

    async def _pool(self, target: _Target) -> httpx.AsyncHTTPTransport:
        key = (target.scheme, target.host, target.port)
        pool = self._pools.get(key)
        if pool is None:
            # Passing a context also keeps httpx from loading certificates on the loop.
            pool = httpx.AsyncHTTPTransport(verify=await _ssl_context(), retries=0)
            self._pools[key] = pool
        return pool

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()


_SSL_CONTEXTS: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


async def _ssl_context() -> ssl.SSLContext:
    """The TLS client context, verifying against certifi or SSL_CERT_FILE/SSL_CERT_DIR.

    Loading CA certificates reads files for milliseconds: done once per process (and per
    value of those variables, which httpx honours), in a thread.
    """
    key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    context = _SSL_CONTEXTS.get(key)
    if context is None:
        context = await asyncio.to_thread(httpx.create_ssl_context)
        _SSL_CONTEXTS[key] = context
    return context


def safe_async_client(allow: AllowList, *, timeout: float) -> httpx.AsyncClient:
    """An httpx client for outbound calls (provider adapters) that enforces the same rules.

    It does not follow redirects: a caller that follows one sends a new request, which the
    transport checks, resolves and pins like any other. Environment proxies and .netrc are
    ignored (a proxy would connect on our behalf to addresses we never checked).
    """
    return httpx.AsyncClient(
        transport=_PinnedTransport(allow),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
    )


# --- Fetching -----------------------------------------------------------------------------


def _human_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{round(size / factor, 1):g} {unit}"
    return f"{size} bytes"


class _Fetch:
    """One fetch: follows redirects by hand and remembers the hop it is on for messages."""

    def __init__(self, url: str, allow: AllowList, limits: FetchLimits) -> None:
        self.current = url
        self.allow = allow
        self.limits = limits

    async def run(self, sink: Callable[[bytes], Awaitable[None]]) -> tuple[str, str | None, int]:
        limits = self.limits
        try:
            async with asyncio.timeout(limits.timeout_seconds):
                return await self._hops(sink)
        except TimeoutError:
            raise FetchFailed(
                f"{_shown(self.current)} timed out after {limits.timeout_seconds:g} s"
            ) from None
        except _Refused as exc:
            raise FetchFailed(str(exc)) from None
        except httpx.TimeoutException:
            raise FetchFailed(
                f"{_shown(self.current)} timed out after {limits.timeout_seconds:g} s"
            ) from None
        except httpx.ConnectError as exc:
            raise FetchFailed(
                f"{_shown(self.current)} could not be reached ({str(exc)[:100] or 'no answer'})"
            ) from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            raise FetchFailed(
                f"fetching {_shown(self.current)} failed ({type(exc).__name__})"
            ) from None

    async def _hops(self, sink: Callable[[bytes], Awaitable[None]]) -> tuple[str, str | None, int]:
        limits = self.limits
        headers = {"Accept": "*/*", "Accept-Encoding": "identity"}
        async with safe_async_client(self.allow, timeout=limits.timeout_seconds) as client:
            url = _parse_checked(self.current, self.allow, None)
            for hop in range(limits.max_redirects + 1):
                async with client.stream("GET", url, headers=headers) as response:
                    if response.is_redirect:
                        if hop == limits.max_redirects:
                            raise FetchFailed(
                                f"{_shown(self.current)}: too many redirects "
                                f"(more than {limits.max_redirects})"
                            )
                        location = response.headers["location"]
                        try:
                            following = url.join(location)
                        except (httpx.InvalidURL, ValueError, UnicodeError):
                            following = None
                        previous, self.current = self.current, str(following or location)
                        next_url = _parse_checked(self.current, self.allow, previous)
                        if next_url.host != url.host:
                            client.cookies.clear()  # cookies stay with the host that set them
                        url = next_url
                        continue
                    if not response.is_success:
                        reason = f" ({response.reason_phrase})" if response.reason_phrase else ""
                        raise FetchFailed(
                            f"{_shown(self.current)} answered {response.status_code}{reason}"
                        )
                    size = await self._stream_body(response, sink)
                    return str(url), response.headers.get("content-type"), size
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    async def _stream_body(
        self, response: httpx.Response, sink: Callable[[bytes], Awaitable[None]]
    ) -> int:
        max_bytes = self.limits.max_bytes
        too_large = f"{_shown(self.current)} is larger than {_human_size(max_bytes)}"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchFailed(too_large)
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            # Checked while streaming: Content-Length may be absent or a lie.
            if size > max_bytes:
                raise FetchFailed(too_large)
            await sink(chunk)
        return size


def _parse_checked(url: str, allow: AllowList, redirected_from: str | None) -> httpx.URL:
    try:
        parsed = _parse(url)
        _check_target(parsed, allow)
    except _Reject as exc:
        if redirected_from is None:
            raise FetchFailed(f"{_shown(url)} is refused: {exc}") from None
        raise FetchFailed(
            f"{_shown(redirected_from)} redirected to {_shown(url)}, which is refused: {exc}"
        ) from None
    return parsed


async def fetch_bytes(url: str, *, allow: AllowList, limits: FetchLimits) -> Fetched:
    """Fetch a URL into memory, within `limits`. Raises FetchFailed, never an httpx error."""
    body = bytearray()

    async def collect(chunk: bytes) -> None:
        body.extend(chunk)

    final_url, content_type, size = await _Fetch(url, allow, limits).run(collect)
    return Fetched(
        path=None,
        content=bytes(body),
        content_type=content_type,
        size_bytes=size,
        final_url=final_url,
    )


async def fetch_to_file(url: str, dest: Path, *, allow: AllowList, limits: FetchLimits) -> Fetched:
    """Stream a URL into `dest`, within `limits`; on any failure `dest` is removed.

    Raises FetchFailed for every problem with the URL or the remote side.
    """
    _parse_checked(url, allow, None)  # refuse before creating the file
    handle = await asyncio.to_thread(dest.open, "wb")
    buffer = bytearray()
    done = False

    async def write(chunk: bytes) -> None:
        buffer.extend(chunk)
        # File writes block, so they go to a thread, batched to keep the hops few.
        if len(buffer) >= _WRITE_BUFFER_BYTES:
            data = bytes(buffer)
            buffer.clear()
            await asyncio.to_thread(handle.write, data)

    try:
        final_url, content_type, size = await _Fetch(url, allow, limits).run(write)
        if buffer:
            await asyncio.to_thread(handle.write, bytes(buffer))
        await asyncio.to_thread(handle.close)
        done = True
    finally:
        if not done:
            # Synchronous on purpose: this also runs on cancellation, where awaiting a thread
            # could be interrupted and leave the partial file behind.
            handle.close()
            dest.unlink(missing_ok=True)  # noqa: ASYNC240
    return Fetched(
        path=dest,
        content=None,
        content_type=content_type,
        size_bytes=size,
        final_url=final_url,
    )
