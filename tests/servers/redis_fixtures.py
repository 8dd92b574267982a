"""pytest fixtures for a real redis-server: one per test session, one empty database per test.

Imported into ``tests/conftest.py`` with ``from tests.servers.redis_fixtures import *``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers.redis_server import RedisServer

__all__ = ["redis_server", "redis_url"]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """Debian's redis-server on a free loopback port, AOF on: ``.url``, ``.client()``, ``.kill()``."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The URL of ``redis_server``, its database emptied before the test (a restart test may have
    stopped it: it is started again)."""
    redis_server.start()
    redis_server.client().flushdb()
    yield redis_server.url
