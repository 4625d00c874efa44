"""Which IP addresses are public, how resolvers read odd host spellings, and `AllowList`.

The refusal tables are explicit on purpose (see the comment above them); `AllowList` is the
operator's only way through (`GENFIRE_FETCH_ALLOW_HOSTS`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

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
