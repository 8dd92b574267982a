"""Hostile input never reaches your crontab, your credentials or outside your folders.

A shared job file with a newline in a path, a URL with a password in it, a link planted in the
store or the spool, a replay bound to the network: each is refused or said out loud. (Cloud
metadata addresses: tests/integration/test_ssrf.py.)
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipelines.spool import store_slug
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb

pytestmark = pytest.mark.integration

PASSWORD = "hunter2-citewarc"
INJECTED = "\n* * * * * touch /tmp/citewarc-pwned #"


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("citewarc: error: "), stderr
    return lines[0]


# --- the crontab --------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["store", "log_file"])
def test_cron_refuses_a_job_file_that_would_add_a_crontab_line(run_citewarc, tmp_path, field):
    job = tmp_path / "job.yaml"
    job.write_text(json.dumps({"name": "shared-job", field: str(tmp_path / "x") + INJECTED,
                               "seeds": {"urls": ["http://example.com/story"]}}))
    result = run_citewarc("cron", str(job), "--every", "6h")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == "", "nothing a user could paste into crontab -e"
    line = one_error_line(result.stderr)
    assert f"{field}: holds a control character" in line


def test_cron_refuses_an_option_that_would_add_a_crontab_line(run_citewarc, tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text("name: shared-job\nseeds:\n  urls: [http://example.com/story]\n")
    result = run_citewarc("cron", str(job), "--every", "6h", "--log-file", "x.log" + INJECTED)
    assert result.returncode == 2 and result.stdout == ""
    assert "--log-file holds a control character" in one_error_line(result.stderr)


# --- credentials in URLs ------------------------------------------------------------------------


def test_seed_with_a_password_is_refused_and_not_echoed(run_citewarc, fixture_web: FixtureWeb,
                                                        tmp_path):
    mark = fixture_web.mark()
    url = fixture_web.url(ARTICLE_PATH).replace("http://", f"http://ana:{PASSWORD}@")
    result = run_citewarc("archive", url, "--store", str(tmp_path / "store"))
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert PASSWORD not in line and "user name or password" in line
    assert fixture_web.requests_since(mark) == [], "nothing was fetched"
    assert not (tmp_path / "store").exists()


def test_job_seed_with_a_password_is_refused(run_citewarc, tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text(f"name: j\nseeds:\n  feeds: [http://ana:{PASSWORD}@example.com/feed]\n")
    result = run_citewarc("crawl", str(job), "--store", str(tmp_path / "store"))
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert "seeds.feeds[0]" in line and PASSWORD not in line


class CitingServer:
    """A page citing a URL with a password in it; records every request's headers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append((self.path, dict(self.headers.items())))
                port = self.server.server_address[1]
                cited = f"http://ana:{PASSWORD}@127.0.0.1:{port}/council/report.html"
                if self.path == "/go":  # a redirect that hands out credentials
                    self.send_response(302)
                    self.send_header("Location", cited.replace("report", "moved"))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = (f"<html lang='en'><head><title>Story</title></head><body><article>"
                        f"<h1>Story</h1><p>The council's own figures, in <a href='{cited}'>the "
                        "members' report</a>, show the budget was spent twice over, according to "
                        f"two officials who asked not to be named; <a href='http://127.0.0.1:{port}"
                        "/go'>the minutes</a> say the same.</p></article></body></html>"
                        ).encode() if self.path == "/story.html" else b"<html>report</html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/story.html"

    def __enter__(self) -> CitingServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_password_in_a_citation_is_never_sent_nor_recorded(run_citewarc, tmp_path):
    with CitingServer() as site:
        result = run_citewarc("archive", site.url, "--store", str(tmp_path / "store"),
                              "--no-requisites", "-v")
    assert result.returncode == 0, result.stderr
    fetched = [path for path, _ in site.requests]
    assert "/council/report.html" in fetched and "/council/moved.html" in fetched
    for path, headers in site.requests:
        assert "Authorization" not in headers, f"credentials sent for {path}"
    crawl_id = result.stdout.strip().splitlines()[-1]
    manifest = json.loads((tmp_path / "store" / crawl_id / "manifest.json").read_text())
    for name in ("report", "moved"):
        page = next(p for p in manifest["pages"] if p["url"].endswith(f"/council/{name}.html"))
        assert "@" not in page["url"] and page["status"] == 200, page
    assert all("@" not in (p["redirect_to"] or "") for p in manifest["pages"])
    assert PASSWORD not in result.stderr + result.stdout
    in_warcs = 0
    for path in (tmp_path / "store" / crawl_id).rglob("*"):
        if path.is_file() and path.suffix in (".json", ".cdxj", ".gz"):
            data = path.read_bytes()
            if path.suffix == ".gz":
                in_warcs += gzip.decompress(data).count(PASSWORD.encode())
            else:
                assert PASSWORD.encode() not in data, f"the password is in {path}"
    # What the servers sent, as received (the story's link, the redirect's Location); nothing
    # citewarc wrote itself (WARC-Target-URI, metadata records) repeats it.
    assert in_warcs == 2


# --- replay on the network ----------------------------------------------------------------------


@pytest.mark.parametrize(("host", "warned"), [("0.0.0.0", True), ("192.0.2.7", True),
                                              ("127.0.0.1", False), ("::1", False),
                                              ("localhost", False)])
def test_replay_on_a_non_loopback_host_warns(run_citewarc, tmp_path, host, warned):
    (tmp_path / "store").mkdir()
    result = run_citewarc("replay", "--host", host, "--port", "1", "--store",
                          str(tmp_path / "store"))
    assert result.returncode == 2, result.stderr  # empty store: nothing to replay
    warning = [line for line in result.stderr.splitlines() if "readable by anyone" in line]
    assert bool(warning) == warned, result.stderr


# --- symbolic links out of the store and the spool ----------------------------------------------


def test_store_link_out_of_the_root_is_not_followed(run_citewarc, tmp_path):
    outside = tmp_path / "outside" / "20260101T000000Z-planted"
    outside.mkdir(parents=True)
    (outside / "manifest.json").write_text(json.dumps({
        "crawl_id": "20260101T000000Z-planted", "seeds": ["http://example.com/"], "pages": [],
        "files": []}))
    store = tmp_path / "store"
    store.mkdir()
    (store / "20260101T000000Z-planted").symlink_to(outside)
    listed = run_citewarc("list", "--store", str(store))
    assert listed.returncode == 0 and "planted" not in listed.stdout, "a linked folder is not walked"
    (store / "20260101T000000Z-planted").unlink()
    (store / "20260101T000000Z-planted").mkdir()
    (store / "20260101T000000Z-planted" / "manifest.json").symlink_to(outside / "manifest.json")
    for args in (["list"], ["verify", "20260101T000000Z-planted"]):
        result = run_citewarc(*args, "--store", str(store))
        assert "planted" not in result.stdout
        assert result.returncode != 0 and "symbolic link" in one_error_line(result.stderr)


def test_spool_link_out_of_the_root_is_not_written_through(run_citewarc, fixture_web, tmp_path):
    store = tmp_path / "store"
    outside = tmp_path / "outside"
    outside.mkdir()
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / store_slug(str(store))).symlink_to(outside)
    result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store", str(store),
                          "--depth", "0", "--no-requisites")
    assert result.returncode != 0
    assert "symbolic link" in one_error_line(result.stderr)
    assert list(outside.iterdir()) == [], "nothing written through the link"


def planted_crawl(tmp_path, store, url: str, job: str | None = None):
    """A spool crawl folder that is a link to a killed-looking crawl outside the spool; returns
    (its crawl id, the outside folder, a snapshot of the files there)."""
    crawl_id = "20260101T000000Z-planted"
    outside = tmp_path / "outside"
    (outside / "warc").mkdir(parents=True)
    options = {"job": job} if job else {}
    (outside / "journal.jsonl").write_text(json.dumps(
        {"t": "start", "seeds": [url], "options": options}) + "\n")
    (outside / "warc" / "a.warc.gz.open").write_bytes(b"not a warc record")
    slug = tmp_path / "spool" / store_slug(str(store))
    slug.mkdir(parents=True)
    (slug / crawl_id).symlink_to(outside)
    return crawl_id, outside, files_under(outside)


def files_under(folder):
    return sorted((p.relative_to(folder), p.read_bytes()) for p in folder.rglob("*") if p.is_file())


def test_spool_link_resume_refuses_a_crawl_folder_leading_out(run_citewarc, fixture_web, tmp_path):
    """``archive --resume ID`` where the spool's crawl folder is a link out of the spool: refused
    (exit 4, as every link refusal) before anything is repaired or crawled through the link."""
    store = tmp_path / "store"
    crawl_id, outside, before = planted_crawl(tmp_path, store, fixture_web.url(ARTICLE_PATH))
    result = run_citewarc("archive", "--resume", crawl_id, "--store", str(store))
    assert result.returncode == 4, result.stderr
    assert "symbolic link" in one_error_line(result.stderr)
    assert files_under(outside) == before, "nothing repaired, written or crawled through the link"


@pytest.mark.parametrize("how", ["next run", "--resume"])
def test_spool_link_job_run_refuses_a_crawl_folder_leading_out(run_citewarc, fixture_web, tmp_path,
                                                               how):
    """The same for a job: its next run, which finishes the job's unfinished crawls, or
    ``crawl JOBFILE --resume ID``."""
    store = tmp_path / "store"
    crawl_id, outside, before = planted_crawl(tmp_path, store, fixture_web.url(ARTICLE_PATH),
                                              job="planted-job")
    job = tmp_path / "job.yaml"
    job.write_text(json.dumps({"name": "planted-job", "store": str(store), "depth": 0,
                               "requisites": False,
                               "seeds": {"urls": [fixture_web.url(ARTICLE_PATH)]}}))
    result = run_citewarc("crawl", str(job), *(["--resume", crawl_id] if how == "--resume" else []))
    assert result.returncode == 4, result.stderr
    assert "symbolic link" in one_error_line(result.stderr)
    assert files_under(outside) == before, "nothing repaired, written or crawled through the link"


def test_push_never_uploads_what_a_spool_link_points_at(run_citewarc, tmp_path):
    store = tmp_path / "store"
    secret = tmp_path / "credentials"
    secret.write_text(f"aws_secret_access_key = {PASSWORD}")
    crawl_id = "20260101T000000Z-planted"
    folder = tmp_path / "spool" / store_slug(str(store)) / crawl_id
    (folder / "warc").mkdir(parents=True)
    (folder / "warc" / "a.warc.gz").symlink_to(secret)
    data = secret.read_bytes()  # the manifest names its true hash: only the link gives it away
    (folder / "manifest.json").write_text(json.dumps({"crawl_id": crawl_id, "files": [
        {"key": f"{crawl_id}/warc/a.warc.gz", "sha256": hashlib.sha256(data).hexdigest(),
         "bytes": len(data)}]}))
    result = run_citewarc("push", "--store", str(store))
    assert result.returncode != 0
    assert "symbolic link" in one_error_line(result.stderr)
    stored = [p.read_bytes() for p in store.rglob("*") if p.is_file()] if store.exists() else []
    assert not any(PASSWORD.encode() in data for data in stored)


def test_spool_with_a_control_character_is_refused(run_citewarc, fixture_web, tmp_path):
    result = run_citewarc("archive", fixture_web.url(ARTICLE_PATH), "--store",
                          str(tmp_path / "store"), "--depth", "0", "--no-requisites",
                          env={"CITEWARC_SPOOL": str(tmp_path / "spool\nx")})
    assert result.returncode == 2
    assert "CITEWARC_SPOOL holds a control character" in one_error_line(result.stderr)
