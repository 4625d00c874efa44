"""URL parsing and `check_url`: the request-time checks, without DNS.

The URL itself must name a public target. This catches the obvious attacks (and odd
spellings of them such as `http://2130706433/`) early, as a 400 `unsafe_url`. The transport
runs the same `_check_target` again on every hop.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass

import httpx

from genfire_server.kit.errors import GenFireError
from genfire_server.kit.safe_http.addresses import (
    _NUMBER,
    AllowList,
    IPAddress,
    _loose_ipv4,
    _normal_name,
    _refusal,
)

MAX_URL_LENGTH = 2048
# Error messages show at most this much of a URL: they end up in run records and logs.
_SHOWN_URL_CHARS = 200

# Names that by convention resolve inside the host or the local network. Refusing them at
# request time gives a clear 400 instead of a run that fails later on resolution.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".localdomain")


class UnsafeUrl(GenFireError):
    """A URL the server refuses to fetch, found before anything was sent."""

    status = 400
    code = "unsafe_url"

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Cannot fetch {_shown(url)}: {reason}.")
        self.reason = reason


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
        try:
            host = urllib.parse.urlsplit(url).hostname or ""
        except ValueError:  # such as an unclosed IPv6 bracket: "http://[::1"
            raise _Reject("it is not a valid URL") from None
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
