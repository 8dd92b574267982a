"""What every command reads before it does anything: the settings (module, environment, command
line), the spool root and the store they name. Kept apart from ``crawler.session`` (the crawl
itself) so that ``list``, ``verify``, ``push`` and the other commands that run no spider do not
import Scrapy's crawler, downloader and the page analysis just to read a setting."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy.settings import Settings

from crawler.env_settings import typed_env_value
from crawler.errors import UsageError
from pipelines import spool as spool_layout
from pipelines.store import open_store
from pipelines.store.base import Store, StoreError, control_character

SETTINGS_ENV = "CITEWARC_SETTINGS"


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Defaults from ``settings.base`` (or the module named by CITEWARC_SETTINGS), then env, then
    the command line."""
    settings = Settings()
    settings.setmodule(os.environ.get(SETTINGS_ENV, "settings.base"), priority="project")
    for name, value in os.environ.items():  # CITEWARC_<SETTING>=value, for cron and containers
        if name.startswith("CITEWARC_") and name != SETTINGS_ENV and name in settings and value:
            settings.set(name, typed_env_value(name, value, settings[name]), priority="project")
    for name, value in (overrides or {}).items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    return settings


def command_store(uri: str | None, settings: Mapping[str, Any] | None = None) -> Store:
    """How every command opens its store: a store that cannot be opened (bad URI, S3 set-up) is a
    usage error (exit 2); a store that is down fails later, on first use (exit 4)."""
    try:
        return open_store(uri or "", settings)
    except StoreError as exc:
        raise UsageError(str(exc)) from None


def configured_store(settings: Settings) -> Store:
    """The store the settings name (CITEWARC_STORE), opened as every command opens a store."""
    return command_store(settings.get("CITEWARC_STORE"), settings)


def spool_root(settings: Settings) -> Path:
    """The spool root (``pipelines.spool``), refused if its setting holds a control character:
    it names files."""
    refuse_control_characters(spool_layout.spool_setting(settings), spool_layout.SPOOL_SETTING)
    return spool_layout.spool_root(settings)


def refuse_control_characters(value: str, field: str) -> str:
    """``value`` unchanged, or UsageError naming ``field`` if it holds a control character."""
    char = control_character(value)
    if char:
        raise UsageError(f"{field} holds a control character ({char}); a path or name cannot")
    return value
