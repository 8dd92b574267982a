"""The Redis the distributed tests start: on loopback, answering, and keeping what it acknowledged
across a SIGKILL and a restart (append-only file on), which a restart-mid-crawl test relies on."""

from __future__ import annotations

import pytest

from tests.servers.redis_server import RedisServer

pytestmark = pytest.mark.integration


def test_redis_answers_on_loopback(redis_server: RedisServer, redis_url: str) -> None:
    client = redis_server.client()
    assert client.ping()
    assert redis_url.startswith("redis://127.0.0.1:")
    assert client.config_get("bind")["bind"] == "127.0.0.1"
    assert client.config_get("appendonly")["appendonly"] == "yes"


def test_redis_keeps_writes_across_a_kill(redis_server: RedisServer, redis_url: str) -> None:
    client = redis_server.client()
    client.zadd("citewarc:test:requests", {"a": 1, "b": 2})
    client.sadd("citewarc:test:seen", "x")
    redis_server.kill()
    redis_server.start()
    client = redis_server.client()
    assert client.zrange("citewarc:test:requests", 0, -1) == [b"a", b"b"]
    assert client.smembers("citewarc:test:seen") == {b"x"}
