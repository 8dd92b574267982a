"""The WACZ each crawl ends with: valid for the reference validator, pages listed with titles,
every resource's sha256 right, and the package and its index accounted for in the manifest."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, ARTICLE_TITLE, CITED_HTML_200_PATHS, FixtureWeb

pytestmark = pytest.mark.integration
WACZ_CLI = REPO_ROOT / ".venv-replay" / "bin" / "wacz"


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory, fixture_web: FixtureWeb):
    """(crawl folder in a local store, manifest, fixture base URL)."""
    workdir = tmp_path_factory.mktemp("wacz")
    store = workdir / "store"
    result = run_citewarc_in(workdir, ["archive", fixture_web.url(ARTICLE_PATH), "--store", store])
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]
    folder = store / crawl_id
    return folder, json.loads((folder / "manifest.json").read_text()), fixture_web.base_url


def wacz_path(folder: Path) -> Path:
    return folder / f"{folder.name}.wacz"


def test_wacz_validates_with_the_reference_tool(crawl):
    folder, _, _ = crawl
    if not WACZ_CLI.exists():
        pytest.fail(f"{WACZ_CLI} is missing: `make install` builds the replay environment")
    result = subprocess.run([str(WACZ_CLI), "validate", "-f", str(wacz_path(folder))],
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Validation succeeded" in output, output


def test_pages_list_the_seed_and_every_html_citation_with_its_title(crawl):
    folder, manifest, base = crawl
    with zipfile.ZipFile(wacz_path(folder)) as zf:
        lines = zf.read("pages/pages.jsonl").decode("utf-8").splitlines()
    header, *entries = [json.loads(line) for line in lines if line.strip()]
    assert header.get("format") == "json-pages-1.0", header
    pages = {entry["url"]: entry for entry in entries}
    assert len(pages) == len(entries), "each page listed once"

    seed = base + ARTICLE_PATH
    assert entries[0]["url"] == seed, "the seed comes first (viewers open it)"
    assert ARTICLE_TITLE in pages[seed]["title"]

    html_200 = [p for p in manifest["pages"] if p["role"] == "citation" and p["status"] == 200
                and (p.get("content_type") or "").startswith("text/html") and not p.get("redirect_to")]
    assert {base + path for path in CITED_HTML_200_PATHS} <= {p["url"] for p in html_200}
    for page in html_200:
        listed = pages.get(page["url"])
        assert listed, f"{page['url']} missing from pages.jsonl"
        assert listed["title"] and listed["title"] != page["url"], f"{page['url']}: no title"
        if page.get("title"):
            assert listed["title"] == page["title"]
        assert listed.get("ts"), f"{page['url']}: no timestamp"
    not_pages = {p["url"] for p in manifest["pages"] if p["role"] == "requisite" or p.get("redirect_to")
                 or p["status"] != 200}
    assert not not_pages & set(pages), f"not pages: {sorted(not_pages & set(pages))}"


def test_datapackage_hashes_every_member(crawl):
    folder, _, _ = crawl
    with zipfile.ZipFile(wacz_path(folder)) as zf:
        assert zf.testzip() is None
        package_bytes = zf.read("datapackage.json")
        package = json.loads(package_bytes)
        resources = {r["path"]: r for r in package["resources"]}
        members = set(zf.namelist()) - {"datapackage.json", "datapackage-digest.json"}
        assert set(resources) == members, "every member is a resource and every resource a member"
        # Inside the WACZ the CDXJ is named index.cdx: the name pywb's WACZ import reads.
        assert "indexes/index.cdx" in members and "pages/pages.jsonl" in members
        warcs = [m for m in members if m.startswith("archive/")]
        assert warcs and all(m.endswith(".warc.gz") for m in warcs)
        for path, resource in resources.items():
            data = zf.read(path)
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), path
            assert resource["bytes"] == len(data), path
        for name in warcs:  # WARCs stored, not deflated: replay reads them by offset
            assert zf.getinfo(name).compress_type == zipfile.ZIP_STORED, name
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(package_bytes).hexdigest()
        # The index points into the WARCs the package holds.
        named = {json.loads(line.split(" ", 2)[2])["filename"]
                 for line in zf.read("indexes/index.cdx").decode().splitlines() if line.strip()}
        assert named and named <= {m.split("/", 1)[1] for m in warcs}, named


def test_manifest_lists_the_wacz_and_the_index_with_their_sha256(crawl):
    folder, manifest, _ = crawl
    files = {f["key"]: f for f in manifest["files"]}
    for relative in (wacz_path(folder).name, "indexes/index.cdxj"):
        key = f"{folder.name}/{relative}"
        assert key in files, f"{key} not in the manifest's files"
        data = (folder / relative).read_bytes()
        assert files[key]["sha256"] == hashlib.sha256(data).hexdigest(), key
        assert files[key]["bytes"] == len(data), key
