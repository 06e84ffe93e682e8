"""Where a webhook may connect: public internet addresses, and the private networks the operator
lists in FRONTDESK_WEBHOOK_PRIVATE_NETWORKS (none by default).

An administrator types a webhook's URL. Unchecked, that URL would let them make the worker POST
into the deployment's own network (server-side request forgery): an admin page on localhost, a
database's HTTP port, a cloud's metadata service at 169.254.169.254. So the addresses a host name
resolves to are checked at the moment of connecting, and the connection goes to the address that
passed, never to a second lookup's answer: a name that resolves to a public address when the
webhook is saved and to a private one later (DNS rebinding) is refused as well.

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
    unicast address (not loopback, private, link-local, shared, reserved or multicast)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(address in network for network in private_networks):
        return True
    return address.is_global and not address.is_multicast


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
