"""The TLS certificate chain each capturing connection was shown, kept for the WARC.

Scrapy 2.19 exposes only the leaf (``response.certificate``). ``ChainRecordingPolicy`` wraps the
download handler's context factory (Scrapy's own non-verifying one) so that its connections also
read ``get_peer_cert_chain()`` when their handshake is done, and note it in the crawler's
``PresentedChains`` by (host, port), with the peer address and the time. The capture middleware
then writes one ``urn:tls-certificate:<host>`` record per host. Nothing is refused: a broken chain
is recorded with what is wrong with it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from OpenSSL import SSL
from twisted.internet.interfaces import IOpenSSLClientConnectionCreator
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer

logger = logging.getLogger(__name__)
_ATTR = "_citewarc_tls_chains"


@dataclass(frozen=True)
class PresentedChain:
    """A chain as the server presented it, leaf first (PEM), on a connection to ``peer_ip``."""

    pems: tuple[str, ...]
    peer_ip: str | None
    seen_at: datetime


class PresentedChains:
    """Per (host, port), the first chain presented and every distinct one after it (a CDN may
    answer with different certificates); written by the reactor thread, read by the capture."""

    def __init__(self) -> None:
        self._chains: dict[tuple[str, int], list[PresentedChain]] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, crawler: Any) -> PresentedChains:
        chains = getattr(crawler, _ATTR, None)
        if chains is None:
            chains = cls()
            setattr(crawler, _ATTR, chains)
        return chains

    def add(self, host: str, port: int, chain: PresentedChain) -> None:
        with self._lock:
            seen = self._chains.setdefault((host.lower(), port), [])
            if all(c.pems != chain.pems for c in seen):
                seen.append(chain)

    def first(self, host: str, port: int) -> PresentedChain | None:
        with self._lock:
            seen = self._chains.get((host.lower(), port))
            return seen[0] if seen else None


def chain_pems(connection: SSL.Connection) -> tuple[str, ...]:
    """The peer's chain as sent, leaf first, in PEM."""
    from cryptography.hazmat.primitives.serialization import Encoding  # noqa: PLC0415

    chain = connection.get_peer_cert_chain(as_cryptography=True) or []
    return tuple(c.public_bytes(Encoding.PEM).decode("ascii") for c in chain)


def _peer_ip(connection: SSL.Connection) -> str | None:
    protocol = connection.get_app_data()  # Twisted's TLSMemoryBIOProtocol
    transport = getattr(protocol, "transport", None)
    try:
        return str(transport.getPeer().host) if transport is not None else None
    except Exception:  # noqa: BLE001 - a transport without a peer address: say nothing
        return None


@implementer(IOpenSSLClientConnectionCreator)
class _RecordingCreator:
    """Wraps a connection creator: each connection it makes notes its peer's chain when the
    handshake is done."""

    def __init__(self, inner: Any, host: str, port: int, chains: PresentedChains) -> None:
        self._inner = inner
        self._host = host
        self._port = port
        self._chains = chains

    def clientConnectionForTLS(self, tlsProtocol: Any) -> SSL.Connection:  # noqa: N802 - Twisted's name
        connection = self._inner.clientConnectionForTLS(tlsProtocol)
        connection.set_info_callback(self._info)
        return connection

    def _info(self, connection: SSL.Connection, where: int, ret: int) -> None:
        if not where & SSL.SSL_CB_HANDSHAKE_DONE:
            return
        try:  # an exception in an OpenSSL callback would be lost or abort the connection
            pems = chain_pems(connection)
            if pems:
                self._chains.add(self._host, self._port,
                                 PresentedChain(pems, _peer_ip(connection), datetime.now(UTC)))
        except Exception:
            logger.exception("Could not read the TLS chain presented by %s:%s", self._host, self._port)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@implementer(IPolicyForHTTPS)
class ChainRecordingPolicy:
    """Wraps the download handler's context factory (Scrapy's non-verifying one, or whatever
    ``DOWNLOADER_CLIENTCONTEXTFACTORY`` names): same TLS settings, same behaviour, and each
    connection records the chain it is shown.

    A wrapper rather than a ``DOWNLOADER_CLIENTCONTEXTFACTORY`` subclass: Scrapy 2.19 deprecates
    that setting and keeps its factory class private."""

    def __init__(self, inner: Any, chains: PresentedChains) -> None:
        self._inner = inner
        self.chains = chains

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:  # noqa: N802 - Twisted's name
        inner = self._inner.creatorForNetloc(hostname, port)
        return _RecordingCreator(inner, hostname.decode("ascii"), port, self.chains)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
