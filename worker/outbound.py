"""Every outbound HTTP request of the server goes through one client that refuses internal addresses.

Invoice documents named by URL, webhooks, the e-invoicing platform's API and the SMS provider are all
reached through :class:`OutboundClient`. Before each connection, and again on every redirect it follows,
the client:

- accepts ``http`` and ``https`` only;
- resolves the host (``socket.getaddrinfo``) and refuses it when any of its addresses is not a public
  one: loopback (127/8, ::1), link-local (169.254/16, fe80::/10, the cloud metadata address among them),
  private (10/8, 172.16/12, 192.168/16, fc00::/7), shared CGNAT (100.64/10), multicast, reserved,
  unspecified (0.0.0.0, ::), documentation ranges, and an IPv4 address wrapped in IPv6 (``::ffff:127.0.0.1``,
  6to4, NAT64, Teredo) when the wrapped one is such. Odd spellings of an IPv4 address (``2130706433``,
  ``0177.0.0.1``, ``0x7f000001``, ``127.1``) are read as the C library reads them, so they are refused as
  the address they are; ``localhost``, ``*.localhost`` and a trailing dot (``localhost.``) are loopback too;
- then connects to the very address it checked (never resolving the name a second time, so a DNS answer
  that changes between the check and the connection cannot send it elsewhere), with the host name kept for
  the ``Host`` header and for TLS (SNI and certificate checks);
- follows redirects itself (GET and HEAD only; at most ``max_redirects`` hops), each one checked as the
  first URL was; it never uses the environment's proxies.

The operator lets named hosts through with ``LETTRAGE_OUTBOUND_ALLOW_HOSTS`` (comma-separated host names or
addresses, ``*.example.org`` for a domain's hosts): a local SMS gateway, an internal document server, a
test's fake on 127.0.0.1. An allowed host skips the address check only; the scheme rule stays.

Errors are one line: :class:`OutboundRefused` (nothing was sent: the URL or its address is not allowed) and
:class:`OutboundFailed` (no usable answer: unreachable, timed out, too many redirects, too large). Their
messages name the host and the class of the problem, never the remote's own words.

reminders/ may not import worker/ (the house's walls): its SMS channel is handed the client
(``all_channels(..., outbound=...)``) and sends nothing without one.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from worker.errors import LettrageError

if TYPE_CHECKING:
    from worker.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REDIRECTS = frozenset({301, 302, 303, 307, 308})
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_TEREDO = ipaddress.ip_network("2001::/32")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
Resolver = Callable[[str, int], list[str]]


class OutboundRefused(LettrageError, PermissionError):
    """Raised before anything is sent: not an http(s) URL, or a host that is (or resolves to) an internal
    address and is not on the operator's allow-list. A PermissionError too, so that the packages that may not
    import worker/ (reminders/, einvoicing/) catch it as an OSError."""


class OutboundFailed(LettrageError, ConnectionError):
    """Raised when a request got no usable answer: unreachable, timed out, too many redirects, too large (a
    ConnectionError too, for the same reason)."""


class OutboundTooLarge(OutboundFailed):
    """Raised when the answer is larger than the caller accepts."""


# -- the address check (pure) ----------------------------------------------------------------------
def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be reached from the server (``loopback``, ``link-local``, ``private``, ``shared``,
    ``multicast``, ``reserved``, ``unspecified``, ``not public``), or None for a public address. An IPv4
    address wrapped in IPv6 (mapped, compatible, 6to4, NAT64, Teredo) is judged as the wrapped one."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner: ipaddress.IPv4Address | None = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is None and ip in _TEREDO and ip.teredo is not None:
            inner = ip.teredo[1]
        if inner is None and ip in _IPV4_COMPATIBLE and int(ip) > 1:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            return address_problem(inner) or ("not public" if ip in _TEREDO else None)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "shared"
    if ip.is_private:
        return "private"
    if ip.is_reserved or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "reserved"
    if not ip.is_global:
        return "not public"
    return None


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, however it spells it (``2130706433``, ``0x7f000001``, ``0177.0.0.1``,
    ``127.1``, ``::ffff:127.0.0.1``, ``[::1]``), or None when it is a name."""
    text = host.strip().strip("[]").split("%", 1)[0]
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if ":" in text or not all(c in "0123456789abcdefxABCDEFX." for c in text) or not text[0].isdigit():
        return None
    try:  # the forms inet_aton (and so getaddrinfo) accepts: decimal, octal, hex, short dotted
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def normalise_host(host: str) -> str:
    """The host as compared with the allow-list: lower case, no brackets, no trailing dot; an address in its
    canonical form."""
    name = host.strip().strip("[]").rstrip(".").lower()
    ip = literal_address(name)
    return str(ip) if ip is not None else name


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Whether ``host`` is one of ``allowed`` (names or addresses; ``*.example.org`` for the domain's hosts)."""
    name = normalise_host(host)
    for entry in allowed:
        wanted = entry.strip().lower().rstrip(".")
        if not wanted:
            continue
        if wanted.startswith("*."):
            if name.endswith(wanted[1:]) and literal_address(name) is None:
                return True
        elif name == normalise_host(wanted):
            return True
    return False


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# -- the client ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A URL checked: where to connect (the checked addresses) and what to ask."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """What the remote answered (the last hop when redirects were followed)."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str


@dataclass(frozen=True)
class OutboundClient:
    """The server's one HTTP client (see the module docstring); ``allow_hosts``: the operator's allow-list."""

    allow_hosts: tuple[str, ...] = ()
    max_redirects: int = 5
    resolver: Resolver = field(default=_resolve, repr=False)

    @classmethod
    def for_settings(cls, settings: Settings) -> OutboundClient:
        return cls(allow_hosts=tuple(getattr(settings, "outbound_allow_hosts", ()) or ()))

    def allowed(self, host: str) -> bool:
        return host_allowed(host, self.allow_hosts)

    def check(self, url: str) -> Target:
        """The URL's target, its addresses resolved and checked; raises OutboundRefused (or OutboundFailed
        when the host cannot be resolved)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise OutboundRefused(f"{url[:80]!r} is not a valid URL") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise OutboundRefused(f"{url[:80]!r}: only http:// and https:// addresses can be reached")
        host = (parts.hostname or "").rstrip(".")
        if not host or parts.username is not None or parts.password is not None:
            raise OutboundRefused(f"{url[:80]!r}: give an http(s) address with a host and without credentials")
        port = port or (443 if scheme == "https" else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        literal = literal_address(host)
        allowed = self.allowed(host)
        if literal is None and (host == "localhost" or host.endswith(".localhost")) and not allowed:
            raise OutboundRefused(f"{host}: refused: internal address (loopback)")
        if literal is not None:
            if not allowed and (problem := address_problem(literal)):
                raise OutboundRefused(f"{host}: refused: internal address ({problem})")
            return Target(url, scheme, host, port, path, (str(literal),))
        try:
            addresses = tuple(self.resolver(host, port))
        except (OSError, UnicodeError):
            raise OutboundFailed(f"{host}: the name cannot be resolved") from None
        if not addresses:
            raise OutboundFailed(f"{host}: the name cannot be resolved")
        if not allowed:
            for address in addresses:
                ip = literal_address(address)
                if ip is None or address_problem(ip):
                    raise OutboundRefused(f"{host}: refused: internal address")
        return Target(url, scheme, host, port, path, addresses)

    def request(self, method: str, url: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None,
                timeout: float = 10.0, max_bytes: int = DEFAULT_MAX_BYTES, deadline: float | None = None,
                follow_redirects: bool | None = None) -> Answer:
        """Sends the request; any status is an Answer (the caller judges it). Redirects of GET and HEAD are
        followed (each hop checked); ``deadline``: seconds for the whole exchange (default 6 x timeout)."""
        method = method.upper()
        follow = method in ("GET", "HEAD") if follow_redirects is None else follow_redirects
        ends = time.monotonic() + (deadline if deadline is not None else 6 * timeout)
        for _hop in range(self.max_redirects + 1):
            target = self.check(url)
            answer = self._send(target, method, body, dict(headers or {}), timeout, max_bytes, ends)
            location = answer.headers.get("location")
            if not (follow and answer.status in REDIRECTS and location):
                return answer
            url = urljoin(url, location)
            if answer.status == 303 or (answer.status in (301, 302) and method not in ("GET", "HEAD")):
                method, body = "GET", None
        raise OutboundFailed(f"{urlsplit(url).hostname}: more than {self.max_redirects} redirects")

    def _send(self, target: Target, method: str, body: bytes | None, headers: dict[str, str], timeout: float,
              max_bytes: int, ends: float) -> Answer:
        last: Exception | None = None
        for address in target.addresses:
            connection = _connection(target, address, timeout)
            try:
                connection.request(method, target.path, body=body, headers=headers)
                response = connection.getresponse()
                data = _read(response, max_bytes, ends, target.host)
                found = {k.lower(): v for k, v in response.getheaders()}
                return Answer(response.status, found, data, target.url)
            except OutboundFailed:
                raise
            except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
                last = exc
                if _sent(exc):
                    break  # the request may have reached the host: never sent twice
            finally:
                connection.close()
        kind = "timed out" if isinstance(last, TimeoutError | socket.timeout) else "no answer"
        raise OutboundFailed(f"{target.host}: {kind}")


def _sent(exc: Exception) -> bool:
    """Whether the failure came after the connection was made (then other addresses are not tried)."""
    return not isinstance(exc, ConnectionRefusedError | socket.gaierror) and not (
        isinstance(exc, OSError) and exc.errno in (101, 113))  # network / host unreachable


def _read(response: http.client.HTTPResponse, max_bytes: int, ends: float, host: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > ends:
            raise OutboundFailed(f"{host}: timed out")
        chunk = response.read(min(65_536, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise OutboundTooLarge(f"{host}: the answer is larger than {max_bytes} bytes")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a checked address; the host name is only the ``Host`` header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address, the certificate checked against the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _connection(target: Target, address: str, timeout: float) -> http.client.HTTPConnection:
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    return kind(target.host, target.port, address, timeout)


def default_client() -> OutboundClient:
    """The client of the process's settings (``LETTRAGE_OUTBOUND_ALLOW_HOSTS``), for callers given none."""
    from worker.settings import get_settings

    return OutboundClient.for_settings(get_settings())
