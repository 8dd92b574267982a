"""The commands the bench races, each over the same URL list through the bench server (a proxy)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Sample, run_measured
from bench.seaweed import s3_client

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
CITEWARC_FLAGS = ("--depth", "0", "--no-requisites", "--allow-private-addresses")


@dataclass(frozen=True)
class Setup:
    """What every contender of one run shares."""

    work: Path
    urls_file: Path
    proxy: str
    pages: int
    corpus_dir: Path  # the pages as files, for the ceiling
    s3_env: dict[str, str] | None


@dataclass(frozen=True)
class Outcome:
    sample: Sample
    note: str = ""  # why a row is n/a, or what was checked
    pages_ok: int = 0
    browser: tuple[str, ...] = ()  # each page loaded in Chromium: its outcome (manifest `browser`)
    screenshots: int = 0  # pages with a screenshot (manifest `screenshot`)


def base_env(setup: Setup, home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in ("http_proxy", "https_proxy", "no_proxy") and not k.startswith("CITEWARC_")
    }
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        http_proxy=setup.proxy,
        HTTP_PROXY=setup.proxy,
        no_proxy="127.0.0.1,localhost",  # the S3 endpoint is direct: boto3 honours http_proxy too
        NO_PROXY="127.0.0.1,localhost",
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    return env


def citewarc_cmd(urls: list[str], store: str, profile_to: Path | None = None,
                 args: tuple[str, ...] = ()) -> list[str]:
    prof = ["-m", "cProfile", "-o", str(profile_to)] if profile_to else []
    return [sys.executable, *prof, "-m", "crawler.cli", "archive", *urls, *CITEWARC_FLAGS, *args,
            "--store", store]


def run_citewarc(
    setup: Setup,
    tag: str,
    *,
    s3: bool = False,
    extract: bool = True,
    profile_to: Path | None = None,
    pages: int | None = None,
    settings: dict[str, object] | None = None,
    args: tuple[str, ...] = (),
    measure: Callable[..., Sample] = run_measured,
) -> Outcome:
    """``citewarc archive`` end to end; checks the crawl finished and counts pages archived.

    ``settings`` override Scrapy settings of ``settings/base.py`` through a settings module
    written beside the run (``CITEWARC_SETTINGS``), as a deployment would; ``args`` are more
    command-line options (``--browser always``); ``measure`` runs and measures the command."""
    folder = setup.work / tag
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    urls = setup.urls_file.read_text().split()[: pages or setup.pages]
    env = base_env(setup, folder / "home")
    env.update(CITEWARC_MAX_PAGES=str(len(urls) + 10), CITEWARC_SPOOL=str(folder / "spool"))
    if not extract:
        env["CITEWARC_EXTRACT"] = "0"
    if settings:
        module = folder / "bench_settings.py"
        module.write_text("from settings.base import *  # noqa: F403\n"
                          + "".join(f"{name} = {value!r}\n" for name, value in settings.items()))
        env.update(CITEWARC_SETTINGS="bench_settings",
                   PYTHONPATH=os.pathsep.join([str(folder), env["PYTHONPATH"]]))
    store = str(folder / "store")
    if s3:
        env.update(setup.s3_env or {})
        store = f"s3://bench/{tag}"
    sample = measure(citewarc_cmd(urls, store, profile_to, args), env, folder, folder / "log.txt")
    manifest = _manifest(folder, store, setup.s3_env if s3 else None)
    rows = manifest.get("pages", [])
    ok = sum(1 for p in rows if p.get("status") == 200 and p.get("role") != "requisite")
    browser = tuple(p["browser"] for p in rows if p.get("browser"))
    screenshots = sum(1 for p in rows if p.get("screenshot"))
    note = "" if sample.returncode == 0 else f"exit {sample.returncode}"
    if not extract and any(p.get("text") for p in manifest.get("pages", [])):
        note = "n/a (this citewarc has no CITEWARC_EXTRACT)"
    shutil.rmtree(folder / "spool", ignore_errors=True)
    shutil.rmtree(folder / "store", ignore_errors=True)
    return Outcome(sample, note, ok, browser, screenshots)


def _manifest(folder: Path, store: str, s3_env: dict[str, str] | None) -> dict:
    log = (folder / "log.txt").read_text(errors="replace").strip().splitlines()
    crawl_id = log[-1].strip() if log else ""
    if s3_env:
        client = s3_client(s3_env)
        try:
            key = f"{store.split('/', 3)[3]}/{crawl_id}/manifest.json"
            return json.loads(client.get_object(Bucket="bench", Key=key)["Body"].read())
        except Exception:
            return {}
    path = Path(store) / crawl_id / "manifest.json"
    return json.loads(path.read_text()) if crawl_id and path.exists() else {}


def run_scrapy(setup: Setup, tag: str) -> Outcome:
    folder = setup.work / tag
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(BENCH / "bare_spider.py"), str(setup.urls_file)]
    sample = run_measured(cmd, base_env(setup, folder / "home"), folder, folder / "log.txt")
    return Outcome(sample, "" if sample.returncode == 0 else f"exit {sample.returncode}")


def run_peer(setup: Setup, tag: str) -> Outcome:
    """wget --warc-file over the list (one connection, in order), then trafilatura on 2 processes."""
    folder = setup.work / tag
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "pages").mkdir(parents=True)
    env = base_env(setup, folder / "home")
    wget = [
        "wget",
        "--quiet",
        "--input-file",
        str(setup.urls_file),
        "--warc-file",
        str(folder / "peer"),
        "--compression=auto",
        "--force-directories",
        "--directory-prefix",
        str(folder / "pages"),
        "--tries=3",
        "--timeout=60",
    ]
    fetched = run_measured(wget, env, folder, folder / "log.txt")
    pages = sum(1 for p in (folder / "pages").rglob("*") if p.is_file())
    extract = [sys.executable, str(BENCH / "extraction.py"), "--workers", "2", str(folder / "pages")]
    sample = fetched.then(run_measured(extract, env, folder, folder / "log.txt"))
    shutil.rmtree(folder, ignore_errors=True)
    return Outcome(sample, "" if fetched.returncode == 0 else f"wget exit {fetched.returncode}", pages)


def run_ceiling(setup: Setup, tag: str) -> Outcome:
    """trafilatura alone over the same pages (already on disk), 2 processes, citewarc's options."""
    folder = setup.work / tag
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(BENCH / "extraction.py"), "--workers", "2", str(setup.corpus_dir)]
    sample = run_measured(cmd, base_env(setup, folder / "home"), folder, folder / "log.txt")
    return Outcome(sample, "", setup.pages)
