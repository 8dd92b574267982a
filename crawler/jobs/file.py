"""Load and validate a job file (YAML or TOML): what a scheduled crawl archives and how politely.

Errors name the bad field (``seeds.feeds[1]: unsupported URL scheme 'ftp' ...``) so a person
fixing a cron job finds it in one look.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from crawler.browser.mode import check_host, check_mode
from crawler.config import refuse_control_characters
from crawler.errors import UsageError
from crawler.web.urls import InvalidURL, clean_url, refuse_userinfo
from pipelines.store.base import control_character


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _urls(values: list[str]) -> list[str]:
    out = []
    for i, value in enumerate(values):
        try:
            refuse_userinfo(value)
            out.append(clean_url(value))
        except InvalidURL as exc:
            raise ValueError(f"[{i}]: {exc}") from None
    return out


class Seeds(_Strict):
    urls: list[str] = Field(default_factory=list, description="articles, archived with their citations")
    feeds: list[str] = Field(default_factory=list, description="RSS/Atom feeds: each entry is a seed")
    sitemaps: list[str] = Field(default_factory=list, description="sitemaps and news sitemaps")

    _check = field_validator("urls", "feeds", "sitemaps")(_urls)


class Limits(_Strict):
    max_pages: int = Field(500, ge=1, description="pages (not requisites) fetched per run")
    max_feed_entries: int = Field(50, ge=0, description="newest entries taken from each feed/sitemap")
    max_entry_age_days: float = Field(7, gt=0, description="older feed/sitemap entries are skipped")
    max_requisites_per_page: int = Field(200, ge=0)
    max_minutes: float | None = Field(None, gt=0, description="then the run stops fetching and "
                                      "finishes; the rest is listed as skipped")


class Politeness(_Strict):
    obey_robots: bool = True
    delay: float = Field(0.5, ge=0, le=60, description="seconds between requests to one host")
    concurrency_per_host: int = Field(4, ge=1, le=32)
    timeout: float = Field(60, gt=0, le=600, description="seconds per request")
    retries: int = Field(3, ge=0, le=10)


BrowserMode = Annotated[str, BeforeValidator(check_mode)]
BrowserHost = Annotated[str, BeforeValidator(check_host)]


class Browser(_Strict):
    """``browser: always``, or ``browser: {mode: auto, domains: {example.com: always}}``. What is
    not given here is left to the environment and the defaults (``CITEWARC_BROWSER*``)."""

    mode: BrowserMode | None = Field(None, description="auto, always or never")
    domains: dict[BrowserHost, BrowserMode] | None = Field(
        None, description="mode per host, for the host and its subdomains")

    @model_validator(mode="before")
    @classmethod
    def _mode_alone(cls, value: Any) -> Any:
        """A bare string is the mode; a boolean (YAML's unquoted yes/no/on/off) is a mistake."""
        if isinstance(value, str):
            return {"mode": value}
        if isinstance(value, (bool, int, float, list)):
            check_mode(value)  # raises, saying which modes there are
        return value


class Job(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
                      description="slug of crawl ids and key of the job's state")
    store: str | None = None
    seeds: Seeds
    depth: int = Field(1, ge=0, le=5)
    requisites: bool = True
    limits: Limits = Field(default_factory=Limits)
    politeness: Politeness = Field(default_factory=Politeness)
    log_file: str | None = Field(None, description="log path; {crawl_id} and {job} are filled in")
    browser: Browser | None = Field(None, description="which pages are loaded in headless Chromium too")

    @field_validator("store", "log_file")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        """A newline here would become a second line of the crontab `citewarc cron` prints."""
        if value is not None and (char := control_character(value)):
            raise ValueError(f"holds a control character ({char}); a path cannot")
        return value

    @model_validator(mode="after")
    def _has_seeds(self) -> Job:
        if not (self.seeds.urls or self.seeds.feeds or self.seeds.sitemaps):
            raise ValueError("seeds: give at least one of urls, feeds, sitemaps")
        return self


def _location(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if part == "[key]":  # pydantic's mark of a bad mapping key: the key itself is named before
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "job"


def parse_job(data: Any, source: str) -> Job:
    if not isinstance(data, dict):
        raise UsageError(f"job file {source}: expected a mapping of settings at the top level")
    try:
        return Job.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown setting"
        where = _location(first["loc"])
        if message.startswith("[") and "]: " in message:  # a list item: seeds.feeds[1]
            index, message = message.split("]: ", 1)
            where += index + "]"
        if not first["loc"]:
            where, message = message.split(": ", 1) if ": " in message else ("job", message)
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise UsageError(f"job file {source}: {where}: {message}{more}") from None


def _syntax_error(exc: Exception) -> str:
    """One line: where and what (PyYAML's first line, "while parsing a flow sequence", says neither)."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    if mark is None or not problem:
        return str(exc).strip().splitlines()[0]
    hint = ""
    if "flow" in (getattr(exc, "context", None) or "") and "but got '?'" in problem:
        hint = " (inside [...] quote a URL that holds '?')"
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}{hint}"


def load_job(path: str | Path) -> Job:
    """Read and validate ``path`` (``.toml`` as TOML, anything else as YAML)."""
    path = Path(refuse_control_characters(str(path), "the job file's path"))
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read job file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw) if path.suffix.lower() == ".toml" else yaml.safe_load(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        kind = "TOML" if path.suffix.lower() == ".toml" else "YAML"
        raise UsageError(f"job file {path} is not valid {kind}: {_syntax_error(exc)}") from None
    return parse_job(data, str(path))
