"""CITEWARC_<SETTING> environment variables, checked against the type of the setting they set.

Cron lines and containers configure citewarc through the environment, where every value is a
string. Scrapy converts such strings only when a setting is read, deep inside the crawl: a
``CITEWARC_ALLOW_PRIVATE_ADDRESSES=127.0.0.1`` used to end in a traceback from a downloader
middleware and a crawl reported as stopped. Checking each value against its default's type when
the settings are loaded turns that into one line naming the variable, before anything starts.
"""

from __future__ import annotations

from typing import Any

from crawler.errors import UsageError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def typed_env_value(name: str, raw: str, default: Any) -> Any:
    """``raw`` as a yes/no or a number where ``default`` is one; other settings keep the string.

    Raises UsageError (exit 2) saying what the variable must hold."""
    if isinstance(default, bool):
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise UsageError(f"{name}={raw!r} is not a yes/no value: use 1 or 0 (true/false)")
    if isinstance(default, int | float):
        text = raw.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:  # a limit in seconds may be fractional even where the default is whole
            return float(text)
        except ValueError:
            raise UsageError(f"{name}={raw!r} is not a number") from None
    return raw
