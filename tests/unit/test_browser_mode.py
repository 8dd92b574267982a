"""crawler.browser.mode: browser modes and per-host exceptions are checked once, the same way from
the command line, job files and settings, and a URL gets the most specific host's mode."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.browser.mode import (
    MODES,
    check_host,
    check_mode,
    mode_for_url,
    parse_domain_modes,
    parse_domain_options,
    parse_mode,
)
from crawler.errors import UsageError

# --- modes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["auto", "ALWAYS", " Never "])
def test_mode_any_case(text):
    assert parse_mode(text, "--browser") == text.strip().lower()
    assert parse_mode(text, "--browser") in MODES


@pytest.mark.parametrize("value", ["sometimes", "", "on", None, 1])
def test_bad_mode_names_where(value):
    with pytest.raises(UsageError) as info:
        parse_mode(value, "--browser")
    message = str(info.value)
    assert message.startswith("--browser: ") and "auto, always or never" in message
    assert "\n" not in message


def test_yaml_boolean_is_not_a_mode():
    with pytest.raises(ValueError, match="^false is not a browser mode"):
        check_mode(False)


# --- hosts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("example.com", "example.com"),
        ("News.Example.COM", "news.example.com"),
        ("example.com.", "example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("localhost", "localhost"),
        ("10.0.0.1", "10.0.0.1"),
        ("[::1]", "::1"),
        ("2001:DB8::1", "2001:db8::1"),
    ],
)
def test_host_normalised(given, stored):
    assert check_host(given) == stored


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("https://example.com/news", "a URL, not a host name: write example.com"),
        ("example.com/news", "holds a path: write the host name alone (example.com)"),
        ("example.com:8080", "holds a port: write the host name alone (example.com)"),
        ("*.example.com", "write the domain alone (example.com)"),
        (".example.com", "write the domain alone (example.com)"),
        ("exa mple.com", "not a valid host name"),
        ("example..com", "not a valid host name"),
        ("-example.com", "not a valid host name"),
        ("", "a host name is needed"),
        (3, "a host name is needed"),
    ],
)
def test_bad_host_says_why(given, why):
    with pytest.raises(ValueError, match="^" + why.replace("(", r"\(").replace(")", r"\)")):
        check_host(given)


# --- per-host modes from settings, the environment and the command line ------------------------


def test_domain_modes_from_a_mapping():
    assert parse_domain_modes({"Example.com": "ALWAYS", "static.example.org": "never"}) == {
        "example.com": "always", "static.example.org": "never"}


def test_domain_modes_from_json_as_the_environment_gives_them():
    assert parse_domain_modes('{"bücher.example": "auto"}') == {"xn--bcher-kva.example": "auto"}


@pytest.mark.parametrize("value", [None, "", "  ", {}])
def test_no_domain_modes(value):
    assert parse_domain_modes(value) == {}


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ('{"example.com": always}', "CITEWARC_BROWSER_DOMAINS: not a JSON object"),
        ('["example.com"]', "CITEWARC_BROWSER_DOMAINS: expected a mapping"),
        ({"example.com": "sometimes"}, "CITEWARC_BROWSER_DOMAINS: example.com: 'sometimes' is not"),
        ({"example.com:81": "auto"}, "CITEWARC_BROWSER_DOMAINS: example.com:81: holds a port"),
    ],
)
def test_bad_domain_modes_name_the_setting(value, why):
    with pytest.raises(UsageError) as info:
        parse_domain_modes(value)
    assert str(info.value).startswith(why) and "\n" not in str(info.value)


def test_domain_options():
    assert parse_domain_options(["Example.com=always", "static.example.org=NEVER"]) == {
        "example.com": "always", "static.example.org": "never"}
    assert parse_domain_options([]) == {}


@pytest.mark.parametrize(
    ("item", "why"),
    [
        ("example.com", "--browser-domain 'example.com': write HOST=MODE"),
        ("example.com=", "--browser-domain: example.com: '' is not a browser mode"),
        ("http://example.com=always", "--browser-domain: http://example.com: a URL"),
    ],
)
def test_bad_domain_option(item, why):
    with pytest.raises(UsageError) as info:
        parse_domain_options([item])
    assert str(info.value).startswith(why), str(info.value)


# --- the mode of a URL ------------------------------------------------------------------------

DOMAINS = parse_domain_modes({"example.com": "always", "static.example.com": "never",
                              "bücher.example": "never", "10.0.0.1": "always", "::1": "never"})


@pytest.mark.parametrize(
    ("url", "mode"),
    [
        ("https://example.com/story", "always"),
        ("https://news.example.com/story", "always"),
        ("http://a.b.example.com:8080/x", "always"),
        ("https://EXAMPLE.COM./story", "always"),
        ("https://static.example.com/app.js", "never"),
        ("https://cdn.static.example.com/app.js", "never"),
        ("https://badexample.com/story", "auto"),
        ("https://example.com.evil.org/story", "auto"),
        ("https://com/", "auto"),
        ("https://xn--bcher-kva.example/", "never"),
        ("https://www.bücher.example/", "never"),
        ("http://10.0.0.1/", "always"),
        ("http://1.10.0.0.1.nip.io/", "auto"),
        ("http://[::1]:8000/", "never"),
        ("not a url", "auto"),
        ("", "auto"),
    ],
)
def test_mode_for_url(url, mode):
    assert mode_for_url(url, "auto", DOMAINS) == mode


def test_no_domains_is_the_default():
    assert mode_for_url("https://example.com/", "never", {}) == "never"


_label = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
# Host names only: all-digit labels could spell an IP address, which matches only itself.
_name_label = st.from_regex(r"[a-z](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_domain = st.lists(_name_label, min_size=1, max_size=4).map(".".join)


@given(domain=_domain, sub=st.lists(_label, max_size=3).map(".".join), prefix=_label)
def test_a_domain_covers_its_subdomains_and_nothing_else(domain, sub, prefix):
    domains = {domain: "always"}
    host = f"{sub}.{domain}" if sub else domain
    assert mode_for_url(f"https://{host}/a", "never", domains) == "always"
    # a name that merely ends with the same characters is another site
    assert mode_for_url(f"https://{prefix}{domain}/a", "never", domains) == "never"
    # nor does a parent of the domain fall under it
    parent = domain.partition(".")[2]
    if parent:
        assert mode_for_url(f"https://{parent}/a", "never", domains) == "never"


@given(domain=_domain, sub=_label, deeper=st.lists(_label, max_size=2).map(".".join))
def test_the_most_specific_host_wins(domain, sub, deeper):
    domains = {domain: "always", f"{sub}.{domain}": "never"}
    host = f"{deeper}.{sub}.{domain}" if deeper else f"{sub}.{domain}"
    assert mode_for_url(f"http://{host}/", "auto", domains) == "never"
    assert mode_for_url(f"http://{domain}/", "auto", domains) == "always"
