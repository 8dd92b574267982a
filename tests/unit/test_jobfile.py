"""crawler.jobs.file: job files load from YAML or TOML, and every mistake names its field; and what a
job's ``browser:`` sets for its run (crawler.jobs.settings)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.browser.mode import parse_domain_modes
from crawler.config import load_settings
from crawler.errors import UsageError
from crawler.jobs.file import Job, load_job, parse_job
from crawler.jobs.settings import job_overrides

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

YAML_JOB = """\
name: gaza-aid
store: s3://archive/news
seeds:
  urls:
    - https://example.com/story.html?utm_source=x
  feeds:
    - https://example.com/rss.xml
  sitemaps:
    - https://example.com/news-sitemap.xml.gz
depth: 2
requisites: false
limits: {max_pages: 40, max_feed_entries: 10, max_entry_age_days: 1.5, max_requisites_per_page: 20}
politeness: {obey_robots: false, delay: 2, concurrency_per_host: 1, timeout: 30, retries: 0}
browser: {mode: Always, domains: {Example.com: never, bücher.example: auto}}
log_file: /var/log/citewarc/{job}/{crawl_id}.log
"""

TOML_JOB = """\
name = "gaza-aid"
store = "s3://archive/news"
depth = 2
requisites = false
log_file = "/var/log/citewarc/{job}/{crawl_id}.log"

[seeds]
urls = ["https://example.com/story.html?utm_source=x"]
feeds = ["https://example.com/rss.xml"]
sitemaps = ["https://example.com/news-sitemap.xml.gz"]

[limits]
max_pages = 40
max_feed_entries = 10
max_entry_age_days = 1.5
max_requisites_per_page = 20

[politeness]
obey_robots = false
delay = 2
concurrency_per_host = 1
timeout = 30
retries = 0

[browser]
mode = "Always"

[browser.domains]
"Example.com" = "never"
"bücher.example" = "auto"
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str, name: str = "job.yaml") -> str:
    with pytest.raises(UsageError) as info:
        load_job(write(tmp_path, name, text))
    message = str(info.value)
    assert "\n" not in message, "one line"
    return message


# --- valid files ------------------------------------------------------------------------------


def test_yaml_job_loads(tmp_path):
    job = load_job(write(tmp_path, "job.yaml", YAML_JOB))
    assert job.name == "gaza-aid"
    assert job.seeds.urls == ["https://example.com/story.html"], "tracking parameters removed"
    assert job.seeds.sitemaps == ["https://example.com/news-sitemap.xml.gz"]
    assert (job.depth, job.requisites) == (2, False)
    assert job.limits.max_entry_age_days == 1.5 and job.limits.max_feed_entries == 10
    assert job.politeness.obey_robots is False and job.politeness.delay == 2
    assert job.log_file == "/var/log/citewarc/{job}/{crawl_id}.log"
    assert job.browser.mode == "always"
    assert job.browser.domains == {"example.com": "never", "xn--bcher-kva.example": "auto"}


def test_toml_job_is_the_same_job(tmp_path):
    assert load_job(write(tmp_path, "job.toml", TOML_JOB)) == load_job(write(tmp_path, "j.yml", YAML_JOB))


def test_defaults_of_a_minimal_job(tmp_path):
    job = load_job(write(tmp_path, "job.yaml", "name: a\nseeds: {feeds: [http://example.com/f]}\n"))
    assert job.store is None and job.log_file is None
    assert (job.depth, job.requisites) == (1, True)
    assert job.seeds.urls == [] and job.seeds.sitemaps == []
    assert job.limits.max_pages == 500 and job.politeness.obey_robots is True
    assert job.browser is None, "not given: the environment and defaults decide"


@pytest.mark.parametrize("name", ["job.yaml", "job.toml"])
def test_examples_parse(name):
    job = load_job(EXAMPLES / name)
    assert isinstance(job, Job) and job.name == "deir-ez-zor"
    assert job.seeds.urls and job.seeds.feeds and job.seeds.sitemaps
    assert job.log_file and "{crawl_id}" in job.log_file


def test_yaml_and_toml_examples_are_the_same_job():
    assert load_job(EXAMPLES / "job.yaml") == load_job(EXAMPLES / "job.toml")


def test_examples_set_every_field():
    """The examples document the whole format: every field of every section appears."""
    job = load_job(EXAMPLES / "job.yaml")
    assert job.model_fields_set == set(Job.model_fields)
    for section in ("seeds", "limits", "politeness", "browser"):
        value = getattr(job, section)
        assert value.model_fields_set == set(type(value).model_fields), section


# --- each mistake names its field -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "why"),
    [
        ("name: Deir Ez-Zor\nseeds: {urls: [http://example.com/a]}\n", "name:", "pattern"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\nschedule: 6h\n", "schedule:",
         "unknown setting"),
        ("name: a\nseeds: {urls: [http://example.com/a], rss: [http://example.com/f]}\n",
         "seeds.rss:", "unknown setting"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\ndepth: -1\n", "depth:", "greater than"),
        ("name: a\nseeds:\n  feeds: [http://example.com/f, 'ftp://example.com/x']\n",
         "seeds.feeds[1]:", "ftp"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\nlimits: {max_pages: 0}\n",
         "limits.max_pages:", "greater than"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\npoliteness: {delay: slow}\n",
         "politeness.delay:", "number"),
        ("name: a\nseeds: {}\n", "seeds:", "at least one of urls, feeds, sitemaps"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\nbrowser: sometimes\n", "browser.mode:",
         "'sometimes' is not a browser mode: write auto, always or never"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\nbrowser: off\n", "browser:",
         "false is not a browser mode"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\nbrowser: {mode: auto, tabs: 2}\n",
         "browser.tabs:", "unknown setting"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\nbrowser: {domains: {example.com: maybe}}\n",
         "browser.domains.example.com:", "'maybe' is not a browser mode"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\nbrowser:\n  domains: {example.com/news: always}\n",
         "browser.domains.example.com/news:", "holds a path: write the host name alone (example.com)"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\n"
         "browser: {domains: {'https://example.com': never}}\n",
         "browser.domains.https://example.com:", "a URL, not a host name: write example.com"),
        ("name: a\nseeds: {urls: [http://example.com/a]}\nbrowser: {domains: [example.com]}\n",
         "browser.domains:", "dictionary"),
        ("name: a\n", "seeds:", "required"),
        ("seeds: {urls: [http://example.com/a]}\n", "name:", "required"),
    ],
    ids=["name-pattern", "unknown-key", "unknown-seed-kind", "negative-depth", "bad-feed-url",
         "zero-max-pages", "delay-not-a-number", "no-seeds", "browser-mode", "browser-boolean",
         "browser-unknown-key", "browser-domain-mode", "browser-domain-path", "browser-domain-url",
         "browser-domains-not-a-mapping", "seeds-missing", "name-missing"],
)
def test_bad_field_is_named(tmp_path, text, where, why):
    message = error_of(tmp_path, text)
    assert message.startswith(f"job file {tmp_path / 'job.yaml'}: "), message
    assert f": {where}" in message, message
    assert why.lower() in message.lower(), message


def test_bad_yaml_syntax(tmp_path):
    message = error_of(tmp_path, "name: a\nseeds: [unclosed\n")
    assert "is not valid YAML" in message


def test_bad_toml_syntax(tmp_path):
    message = error_of(tmp_path, 'name = "a"\n[seeds\n', name="job.toml")
    assert "is not valid TOML" in message


def test_not_a_mapping(tmp_path):
    assert "expected a mapping" in error_of(tmp_path, "- just\n- a list\n")


def test_missing_file(tmp_path):
    with pytest.raises(UsageError, match="cannot read job file .*nope.yaml"):
        load_job(tmp_path / "nope.yaml")


def test_several_errors_say_how_many_more():
    with pytest.raises(UsageError, match=r"\(and 2 more\)"):
        parse_job({"name": "A", "seeds": {"urls": ["http://example.com/"]}, "depth": -1,
                   "bogus": 1}, "inline")


def test_yaml_syntax_error_says_where(tmp_path):
    message = error_of(tmp_path, "name: a\nseeds:\n  urls: [https://example.com/s?u=x]\n")
    assert "line 3, column" in message and "quote a URL" in message, message


# --- what browser: sets for the run -----------------------------------------------------------


def _job(**fields) -> Job:
    return parse_job({"name": "a", "seeds": {"urls": ["http://example.com/"]}, **fields}, "inline")


@pytest.mark.parametrize(
    ("browser", "mode", "domains"),
    [
        (None, None, None),
        ("never", "never", None),
        ({"mode": "ALWAYS"}, "always", None),
        ({"domains": {"Example.com": "always"}}, None, {"example.com": "always"}),
        ({"mode": "auto", "domains": {}}, "auto", {}),
    ],
    ids=["not-given", "mode-alone", "mode", "domains-only", "no-domains-given"],
)
def test_job_overrides_set_only_what_browser_gives(browser, mode, domains):
    overrides = job_overrides(_job() if browser is None else _job(browser=browser))
    assert overrides["CITEWARC_BROWSER"] == mode
    assert overrides["CITEWARC_BROWSER_DOMAINS"] == domains


def test_job_browser_over_the_environment_and_the_environment_over_the_default(monkeypatch):
    """The job file's value is the job's setting; what it leaves out comes from the environment
    (a JSON string there, read with parse_domain_modes), else settings/base.py."""
    monkeypatch.delenv("CITEWARC_SETTINGS", raising=False)
    monkeypatch.setenv("CITEWARC_BROWSER", "never")
    monkeypatch.setenv("CITEWARC_BROWSER_DOMAINS", '{"example.org": "always"}')
    settings = load_settings(job_overrides(_job(browser={"domains": {"example.com": "never"}})))
    assert settings.get("CITEWARC_BROWSER") == "never"
    assert parse_domain_modes(settings.get("CITEWARC_BROWSER_DOMAINS")) == {"example.com": "never"}
    settings = load_settings(job_overrides(_job(browser="always")))
    assert settings.get("CITEWARC_BROWSER") == "always"
    assert parse_domain_modes(settings.get("CITEWARC_BROWSER_DOMAINS")) == {"example.org": "always"}
    monkeypatch.delenv("CITEWARC_BROWSER")
    monkeypatch.delenv("CITEWARC_BROWSER_DOMAINS")
    settings = load_settings(job_overrides(_job()))
    assert settings.get("CITEWARC_BROWSER") == "auto"
    assert parse_domain_modes(settings.get("CITEWARC_BROWSER_DOMAINS")) == {}
