"""Outbound HTTP that cannot be aimed at the server's own network (SSRF protection).

Every URL a request names, and every request the server makes on its own behalf, goes
through here. Three layers, because each one alone has known gaps:

1. `check_url` (`urls`), at request time and without DNS: the URL itself must name a
   public target, refused early as a 400 `unsafe_url`.
2. `_PinnedTransport` (`transport`), on every hop: the host name is resolved once, every
   address must be public, and the connection goes to that checked address (no DNS
   rebinding).
3. The fetch loop (`fetch`): redirects are followed by hand, each one checked like a new
   URL, with a size cap while streaming and one time limit over the whole fetch.

Which addresses count as public, and `AllowList`, live in `addresses`.
`GENFIRE_FETCH_ALLOW_HOSTS` (an `AllowList`) is the operator's only way through: host names
(exact) or CIDRs. See `docs/safe-fetching.md`.
"""

from genfire_server.kit.safe_http.addresses import AllowList, is_public_ip
from genfire_server.kit.safe_http.fetch import (
    Fetched,
    FetchFailed,
    FetchLimits,
    fetch_bytes,
    fetch_to_file,
    human_size,
)
from genfire_server.kit.safe_http.transport import USER_AGENT, safe_async_client
from genfire_server.kit.safe_http.urls import MAX_URL_LENGTH, UnsafeUrl, check_url

__all__ = [
    "MAX_URL_LENGTH",
    "USER_AGENT",
    "AllowList",
    "FetchFailed",
    "FetchLimits",
    "Fetched",
    "UnsafeUrl",
    "check_url",
    "fetch_bytes",
    "fetch_to_file",
    "human_size",
    "is_public_ip",
    "safe_async_client",
]
