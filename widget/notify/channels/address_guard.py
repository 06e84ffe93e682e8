"""Where a webhook may connect: public internet addresses, and the private networks the operator
lists in FRONTDESK_WEBHOOK_PRIVATE_NETWORKS (none by default).

An administrator types a webhook's URL. Unchecked, that URL would let them make the worker POST
into the deployment's own network (server-side request forgery): an admin page on localhost, a
database's HTTP port, a cloud's metadata service at 169.254.169.254. So the addresses a host name
resolves to are checked at the moment of connecting, and the connection goes to the address that
passed, never to a second lookup's answer: a name that resolves to a public address when the
webhook is saved and to a private one later (DNS rebinding) is refused as well.

An IPv6 address may carry an IPv4 one that the packets end up at (IPv4-mapped and -compatible,
SIIT, NAT64, 6to4, Teredo): such an address is judged as the IPv4 address(es) it carries, so
`64:ff9b::a9fe:a9fe` is the metadata service. Otherwise IPv6 must be global unicast (2000::/3)
and not in a special-purpose block; Python's own tables are not relied on alone, as they differ
between versions (3.11 calls fec0::1, 192.0.0.9 and ::7f00:1 global).

Through an HTTP proxy (HTTP_PROXY/HTTPS_PROXY in the worker's environment) the address checked is
the proxy's: list its network, and let the proxy enforce its own policy.
"""
from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import urllib.request
from collections.abc import Iterable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Names that never leave the machine, whatever a resolver answers (RFC 6761).
LOCAL_NAMES = ("localhost", ".localhost")
GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
# Refused even where Python's tables call them global: IETF protocol assignments (192.0.0.9 and
# .10 included), deprecated site-local, IPv6 documentation (2001:db8::/32, 3fff::/20).
NEVER_REACHED = tuple(ipaddress.ip_network(text) for text in (
    "192.0.0.0/24", "fec0::/10", "2001:db8::/32", "3fff::/20"))
# The last 32 bits are the IPv4 address: IPv4-compatible (::a.b.c.d, deprecated), SIIT's
# IPv4-translated (::ffff:0:a.b.c.d) and the well-known NAT64 prefix (RFC 6052).
LAST_32_BITS = tuple(ipaddress.ip_network(text) for text in (
    "::/96", "::ffff:0:0/96", "64:ff9b::/96"))
# The local-use NAT64 prefix (RFC 8215) may be cut at /48, /56, /64 or /96; RFC 6052 puts the
# IPv4 address at a different place for each, skipping bits 64-71.
NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")
NAT64_LAYOUTS = ((48, 16), (56, 8), (64, 0))  # (prefix length, IPv4 bits before bit 64)


class AddressNotAllowed(OSError):
    """The webhook's host is, or resolves only to, addresses it may not reach. An OSError so
    that urllib reports it as it reports any failure to connect (wrapped in a URLError)."""


def parse_networks(texts: Iterable[str]) -> tuple[Network, ...]:
    """The networks a setting lists ("10.20.0.0/16, fd00::/8"); a ValueError names a bad one."""
    networks = []
    for text in texts:
        try:
            networks.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            raise ValueError(f"FRONTDESK_WEBHOOK_PRIVATE_NETWORKS: {text!r} is not a network "
                             "such as 10.20.0.0/16") from None
    return tuple(networks)


def permitted(address: Address, private_networks: tuple[Network, ...]) -> bool:
    """Whether a webhook may connect to this address: one of the listed networks, or a public
    unicast address (not loopback, private, link-local, shared, reserved or multicast); an IPv6
    address that carries IPv4 ones is judged by those."""
    if any(address in network for network in private_networks):
        return True
    if isinstance(address, ipaddress.IPv6Address):
        carried = embedded_ipv4(address)
        if carried:
            return all(permitted(ipv4, private_networks) for ipv4 in carried)
        if address not in GLOBAL_UNICAST:
            return False
    if any(address in network for network in NEVER_REACHED):
        return False
    return address.is_global and not address.is_multicast


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address stands for (empty when it stands for none): the
    mapped, compatible, translated or NAT64 address, 6to4's router, Teredo's server and client
    (the client's bits inverted); every RFC 6052 reading of a local-use NAT64 address."""
    value = int(address)
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if any(address in network for network in LAST_32_BITS):
        return (ipaddress.IPv4Address(value & 0xFFFFFFFF),)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo
    if address in NAT64_LOCAL_USE:
        return _local_use_readings(value)
    return ()


def _local_use_readings(value: int) -> tuple[ipaddress.IPv4Address, ...]:
    # Which prefix length the operator's translator uses is not known here, so each layout whose
    # reserved bits are zero (bits 64-71, and those after the IPv4 address) is a reading. None
    # at all reads as 0.0.0.0, which is refused.
    readings = []
    if not (value >> 56) & 0xFF:
        readings.append(value & 0xFFFFFFFF)  # /96
    for length, high_bits in NAT64_LAYOUTS:
        low_bits = 32 - high_bits
        suffix_bits = 128 - 72 - low_bits
        if (value >> 56) & 0xFF or value & ((1 << suffix_bits) - 1):
            continue
        high = (value >> (128 - length - high_bits)) & ((1 << high_bits) - 1)
        low = (value >> suffix_bits) & ((1 << low_bits) - 1)
        readings.append(high << low_bits | low)
    return tuple(ipaddress.IPv4Address(reading) for reading in readings or [0])


def literal_refused(host: str, private_networks: tuple[Network, ...]) -> bool:
    """Whether a URL's host is plainly out of reach, without asking a resolver: an IP address
    that is not permitted, or a local name (when no loopback network is listed). Other names are
    checked when connecting."""
    host = host.strip("[]").lower()
    if host == LOCAL_NAMES[0] or host.endswith(LOCAL_NAMES[1]):
        return not permitted(ipaddress.ip_address("127.0.0.1"), private_networks)
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return not permitted(address, private_networks)


def connect_checked(private_networks: tuple[Network, ...], address: tuple[str, int],
                    timeout: object = socket._GLOBAL_DEFAULT_TIMEOUT,
                    source_address: tuple[str, int] | None = None) -> socket.socket:
    """socket.create_connection, trying only the resolved addresses that are permitted. Raises
    AddressNotAllowed when every address was refused, else the last error connecting."""
    host, port = address
    refused, error = [], None
    for family, kind, proto, _, sockaddr in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
        resolved = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not permitted(resolved, private_networks):
            refused.append(str(resolved))
            continue
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    if error is not None:
        raise error
    raise AddressNotAllowed(f"{host} is not a public address ({', '.join(sorted(set(refused)))}); "
                            "webhooks reach private networks only when the worker's "
                            "FRONTDESK_WEBHOOK_PRIVATE_NETWORKS setting lists them")


def _checked(connection_class: type[http.client.HTTPConnection],
             private_networks: tuple[Network, ...]):
    def connection(host, **kwargs):
        made = connection_class(host, **kwargs)
        # http.client opens every connection (HTTPS too, before wrapping it in TLS for the
        # host's name) through this attribute; it is socket.create_connection by default.
        made._create_connection = functools.partial(connect_checked, private_networks)
        return made
    return connection


class CheckedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, private_networks: tuple[Network, ...]):
        super().__init__()
        self.private_networks = private_networks

    def http_open(self, req):
        return self.do_open(_checked(http.client.HTTPConnection, self.private_networks), req)


class CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, private_networks: tuple[Network, ...]):
        super().__init__()
        self.private_networks = private_networks

    def https_open(self, req):
        return self.do_open(_checked(http.client.HTTPSConnection, self.private_networks), req,
                            context=self._context)
