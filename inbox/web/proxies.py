"""Who the client is: ``X-Forwarded-For`` believed only from the trusted proxies.

Without trusted proxies (the default) the peer of the connection is the
client, whatever headers it sends. When the peer is one of
``INBOX_TRUSTED_PROXIES``, the client is the last address in
``X-Forwarded-For`` that is not itself a trusted proxy: the left-hand entries
are written by whoever sent the request and prove nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from inbox.settings import Network

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client's address, given the peer, the ``X-Forwarded-For`` values and the proxies."""

    def is_trusted(text: str) -> bool:
        address = _address(text)
        return address is not None and any(address in network for network in trusted)

    if not trusted or not is_trusted(peer):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            # An entry that is not an address is the proxy's garbage in: stop at it.
            return hop if _address(hop) is not None else peer
    return hops[0] if hops else peer


class TrustedProxies:
    """Rewrites the ASGI ``client`` of each request to the address found above."""

    def __init__(self, app: ASGIApp, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.trusted and scope.get("client"):
            peer, port = scope["client"]
            forwarded = [
                value.decode("latin-1")
                for name, value in scope.get("headers", ())
                if name == b"x-forwarded-for"
            ]
            client = client_address(peer, forwarded, self.trusted)
            if client != peer:
                scope = {**scope, "client": (client, port)}
        await self.app(scope, receive, send)
