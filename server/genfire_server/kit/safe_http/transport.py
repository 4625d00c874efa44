"""The resolve-check-pin `httpx` transport, and `safe_async_client` built on it.

On every hop the host name is resolved once, every address it resolves to must be public,
and the connection goes to that checked address. Nothing resolves the name a second time,
so a DNS answer that changes between check and connect (DNS rebinding) cannot redirect the
connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import ssl
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx

from genfire_server.kit.safe_http.addresses import AllowList, IPAddress, is_public_ip
from genfire_server.kit.safe_http.urls import _check_target, _Reject, _shown, _Target

USER_AGENT = "GenFire-Server/0.1 (+input fetch)"


class _Refused(httpx.ConnectError):
    """The transport would not connect. A ConnectError, so provider adapters that handle
    httpx errors handle this one too."""


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


def safe_async_client(
    allow: AllowList, *, timeout: float, keep_cookies: bool = True
) -> httpx.AsyncClient:
    """An httpx client for outbound calls (provider adapters) that enforces the same rules.

    It does not follow redirects: a caller that follows one sends a new request, which the
    transport checks, resolves and pins like any other. Environment proxies and .netrc are
    ignored (a proxy would connect on our behalf to addresses we never checked). A client
    shared by many accounts passes `keep_cookies=False`: what one receiver sets must never
    reach another.
    """
    return httpx.AsyncClient(
        transport=_PinnedTransport(allow),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
        cookies=None if keep_cookies else CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )
