"""pytest fixtures for a real SeaweedFS: one server per test session, one bucket per test.

Imported into ``tests/conftest.py`` with ``from tests.servers.s3_fixtures import *``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.servers.seaweed import SeaweedServer, start_seaweedfs

__all__ = ["s3_server", "s3_bucket", "S3_TEST_ACCESS_KEY", "S3_TEST_SECRET_KEY"]

# Test-only credentials, enforced by the server (anonymous or other keys get 403).
S3_TEST_ACCESS_KEY = "citewarc-test-key"
S3_TEST_SECRET_KEY = "citewarc-test-secret-5f1c0e"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    """A SeaweedFS S3 endpoint: ``.endpoint``, ``.access_key``, ``.secret_key``, ``.env()``."""
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"),
                             S3_TEST_ACCESS_KEY, S3_TEST_SECRET_KEY)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: SeaweedServer) -> Iterator[str]:
    """The name of a fresh, empty bucket on ``s3_server``."""
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3_server.start()  # an outage test may have stopped it
    s3_server.client().create_bucket(Bucket=name)
    yield name
