"""CITEWARC_<SETTING> environment values are checked against their setting's type on load."""

from __future__ import annotations

import pytest

from crawler.config import load_settings
from crawler.env_settings import typed_env_value
from crawler.errors import UsageError


@pytest.mark.parametrize("raw,expected", [("1", True), ("true", True), ("True", True), ("yes", True),
                                          ("0", False), ("false", False), ("FALSE", False), ("off", False)])
def test_yes_no_words_become_booleans(raw: str, expected: bool) -> None:
    assert typed_env_value("CITEWARC_REQUISITES", raw, True) is expected


def test_an_address_in_a_yes_no_setting_is_a_usage_error_naming_the_variable() -> None:
    with pytest.raises(UsageError, match=r"CITEWARC_ALLOW_PRIVATE_ADDRESSES='127.0.0.1' is not a yes/no"):
        typed_env_value("CITEWARC_ALLOW_PRIVATE_ADDRESSES", "127.0.0.1", False)


def test_numbers_are_numbers_and_words_are_refused() -> None:
    assert typed_env_value("CITEWARC_MAX_PAGES", " 20 ", 1000) == 20
    assert typed_env_value("CITEWARC_TIME_LIMIT", "90.5", 0) == 90.5
    with pytest.raises(UsageError, match="CITEWARC_MAX_PAGES='lots' is not a number"):
        typed_env_value("CITEWARC_MAX_PAGES", "lots", 1000)


def test_other_settings_keep_their_string() -> None:
    assert typed_env_value("CITEWARC_STORE", "s3://bucket", None) == "s3://bucket"


def test_load_settings_applies_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITEWARC_MAX_PAGES", "7")
    assert load_settings()["CITEWARC_MAX_PAGES"] == 7
    monkeypatch.setenv("CITEWARC_ALLOW_PRIVATE_ADDRESSES", "10.0.0.0/8")
    with pytest.raises(UsageError, match="CITEWARC_ALLOW_PRIVATE_ADDRESSES"):
        load_settings()
