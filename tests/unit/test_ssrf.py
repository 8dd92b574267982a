"""Address classification of the SSRF guard (pure parts)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.middlewares.guard import ip_literal, is_forbidden


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fd00::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::", "[::1]",
])
def test_forbidden(address):
    assert is_forbidden(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_public(address):
    assert not is_forbidden(address)


@pytest.mark.parametrize("host,address", [
    ("127.0.0.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"),
    ("0x7f.1", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("[::1]", "::1"), ("10.0.0.1.", "10.0.0.1"),
])
def test_ip_literal_spellings(host, address):
    assert ip_literal(host) == address


@pytest.mark.parametrize("host", ["example.com", "news.test", "1e100.net", "localhost", ""])
def test_names_are_not_literals(host):
    assert ip_literal(host) is None


@given(st.text(max_size=40))
def test_classification_never_raises(text):
    is_forbidden(text)
    ip_literal(text)


@pytest.mark.parametrize("address", ["169.254.169.254", "fd00:ec2::254", "[fd00:ec2::254]",
                                     "::ffff:169.254.169.254", "100.100.100.200", "169.254.170.2"])
def test_metadata_refused_even_with_private_addresses_allowed(address):
    from crawler.middlewares.guard import is_metadata, refused

    assert is_metadata(address)
    assert refused(address, allow_private=True) and refused(address, allow_private=False)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.1.1", "fd00::1", "::1"])
def test_other_private_addresses_allowed_when_asked(address):
    from crawler.middlewares.guard import refused

    assert not refused(address, allow_private=True) and refused(address, allow_private=False)
