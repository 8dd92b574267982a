"""Fixtures shared by the unit tests: signing keys for the evidence tests."""

from __future__ import annotations

import pytest

from pipelines.evidence.signing_key import SigningKey, generate_key


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    """A fresh P-384 signing key, one per test module."""
    return generate_key(tmp_path_factory.mktemp("key") / "signing-key.pem")


@pytest.fixture(scope="module")
def other_key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    """A second key: someone else's signature."""
    return generate_key(tmp_path_factory.mktemp("other") / "signing-key.pem")
