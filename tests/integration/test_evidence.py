"""Evidence anyone can check, end to end: a crawl signed with a key `citewarc keygen` made (HOME
in tmp), its WACZ carrying the manifest, texts and the rest; `citewarc verify` naming the signer;
the signature checked here by independent code (``cryptography`` following the WACZ signing spec,
not the project's verifier); each kind of tampering caught with one line naming it; an unsigned
crawl said to be unsigned; a WACZ checked alone with the network cut.

One signed crawl per module; each tampering test damages a copy of its store.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.conftest import run_citewarc_in
from tests.servers.fixture_web import ARTICLE_PATH, FixtureWeb

pytestmark = pytest.mark.integration


@dataclass
class Crawl:
    workdir: Path  # cwd of the commands; its home/ holds the key
    crawl_id: str
    fingerprint: str | None

    @property
    def folder(self) -> Path:
        return self.workdir / "archive" / self.crawl_id

    @property
    def wacz(self) -> Path:
        return self.folder / f"{self.crawl_id}.wacz"

    def manifest(self) -> dict:
        return json.loads((self.folder / "manifest.json").read_text())

    def key(self, rel: str) -> str:
        return f"{self.crawl_id}/{rel}"


def citewarc(crawl: Crawl, *args: str, env: dict[str, str] | None = None):
    return run_citewarc_in(crawl.workdir, list(args), env=env)


def verify(crawl: Crawl, *extra: str):
    return citewarc(crawl, "verify", crawl.crawl_id, "--store", "archive", *extra)


def problem_lines(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if not line.startswith("ok ")]


def assert_caught(result, *words: str) -> list[str]:
    """Exit 6, one error line on stderr, and a problem line on stdout naming each word."""
    assert result.returncode == 6, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("citewarc: error: "), result.stderr
    assert "Traceback" not in result.stderr
    problems = problem_lines(result)
    for word in words:
        assert any(word in line for line in problems), f"no problem line names {word}:\n{result.stdout}"
    return problems


def archive(workdir: Path, url: str, env: dict[str, str] | None = None) -> str:
    result = run_citewarc_in(workdir, ["archive", url, "--store", "archive"], env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def keygen(workdir: Path) -> str:
    result = run_citewarc_in(workdir, ["keygen"])
    assert result.returncode == 0, result.stderr
    return re.search(r"^fingerprint: ([0-9a-f]{64})$", result.stdout, re.M)[1]


@pytest.fixture(scope="module")
def signed(fixture_web: FixtureWeb, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    workdir = tmp_path_factory.mktemp("evidence-signed")
    fingerprint = keygen(workdir)
    return Crawl(workdir, archive(workdir, fixture_web.url(ARTICLE_PATH)), fingerprint)


@pytest.fixture
def copy(signed: Crawl, tmp_path: Path) -> Crawl:
    """The signed crawl's store (and key) copied for a test to damage."""
    shutil.copytree(signed.workdir / "archive", tmp_path / "archive")
    shutil.copytree(signed.workdir / "home", tmp_path / "home")
    return Crawl(tmp_path, signed.crawl_id, signed.fingerprint)


# ---------------------------------------------------------------------------------------------
# Independent checks (the spec, not the project's code)
# ---------------------------------------------------------------------------------------------

def independent_signature_check(wacz: Path) -> dict:
    """The WACZ signing spec's anonymous form, checked with ``cryptography`` alone: every
    resource's sha256, datapackage.json's sha256 in the digest, and an ECDSA P-384 / SHA-256
    signature (raw r||s) over the UTF-8 hash string under the SPKI publicKey. Returns signedData."""
    with zipfile.ZipFile(wacz) as zf:
        package_bytes = zf.read("datapackage.json")
        digest = json.loads(zf.read("datapackage-digest.json"))
        for resource in json.loads(package_bytes)["resources"]:
            data = zf.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), resource["path"]
            assert resource["bytes"] == len(data)
    assert digest["hash"] == "sha256:" + hashlib.sha256(package_bytes).hexdigest()
    signed = digest["signedData"]
    assert signed["hash"] == digest["hash"]
    assert signed["created"] == json.loads(package_bytes)["created"]  # what ReplayWeb.page compares
    public_key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
    assert isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp384r1"
    raw = base64.b64decode(signed["signature"])
    assert len(raw) == 96
    der = encode_dss_signature(int.from_bytes(raw[:48], "big"), int.from_bytes(raw[48:], "big"))
    public_key.verify(der, signed["hash"].encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):  # the check can fail: another hash does not verify
        public_key.verify(der, (signed["hash"] + "0").encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    return signed


def spki_fingerprint(public_key_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()


# ---------------------------------------------------------------------------------------------
# A signed crawl
# ---------------------------------------------------------------------------------------------

def test_signed_crawl_verifies_naming_its_signer(signed: Crawl):
    result = verify(signed)
    assert result.returncode == 0, result.stdout + result.stderr
    assert problem_lines(result) == []
    summary = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(summary) == 1, result.stderr
    assert f"signed by key {signed.fingerprint} at " in summary[0]
    assert "not timestamped" in summary[0]
    evidence = signed.manifest()["evidence"]
    assert evidence["signed"] is True and evidence["fingerprint"] == signed.fingerprint
    assert evidence["timestamp"]["status"] == "off"
    created = re.search(r" at (\S+?)[;,]", summary[0])[1]
    assert created == evidence["signed_at"]


def test_signature_checks_with_independent_code(signed: Crawl):
    signature = independent_signature_check(signed.wacz)
    assert spki_fingerprint(signature["publicKey"]) == signed.fingerprint
    assert signature["software"].startswith("citewarc")


def test_the_wacz_carries_the_manifest_texts_and_their_hashes(signed: Crawl):
    manifest = signed.manifest()
    stored = {f["key"]: f for f in manifest["files"]}
    with zipfile.ZipFile(signed.wacz) as zf:
        package = json.loads(zf.read("datapackage.json"))
        resources = {r["path"]: r for r in package["resources"]}
        carried = json.loads(zf.read("crawl/manifest.json"))
    texts = [k for k in stored if "/text/" in k]
    assert texts
    for key in texts:
        rel = key.split("/", 1)[1]
        assert resources[rel]["hash"] == "sha256:" + stored[key]["sha256"], rel
    # The manifest the WACZ carries is the stored one but for what sealing added after it.
    # (the WACZ, and report.html, which shows the signature), and it carries the ledger.
    after = {signed.key(f"{signed.crawl_id}.wacz"), signed.key("report.html")}
    assert not after & {f["key"] for f in carried["files"]}
    assert {f["key"] for f in carried["files"]} | after == set(stored)
    assert "crawl/citations.json" in resources
    assert "evidence" not in carried and carried["pages"] == manifest["pages"]
    # The provenance is in the package, so the signature covers it.
    provenance = package["extras"]["citewarc"]["provenance"]
    assert provenance and "Scrapy" in json.dumps(provenance)


def test_verify_with_the_signers_key(signed: Crawl):
    result = verify(signed, "--key", "SHA256:" + signed.fingerprint.upper())
    assert result.returncode == 0, result.stdout + result.stderr


def test_verify_with_another_key_fails(signed: Crawl, tmp_path: Path):
    other = keygen(tmp_path)
    problems = assert_caught(verify(signed, "--key", other), "datapackage-digest.json")
    assert any(other in line and signed.fingerprint in line for line in problems), problems


def test_the_wacz_alone_verifies_offline(signed: Crawl, tmp_path: Path):
    """A file someone sent: no store; under a network namespace with no interfaces up when the
    machine allows it (unshare -n), else plainly without a store."""
    sent = tmp_path / "sent.wacz"
    shutil.copyfile(signed.wacz, sent)
    argv = ["verify", str(sent), "--key", signed.fingerprint]
    result = run_citewarc_in(tmp_path, argv)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"signed by key {signed.fingerprint}" in result.stderr
    assert "carries the crawl's manifest" in result.stderr
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        from tests.conftest import citewarc_command, citewarc_env  # noqa: PLC0415

        cut = subprocess.run([unshare, "-n", *citewarc_command(), *argv], cwd=tmp_path,
                             env=citewarc_env(tmp_path), capture_output=True, text=True, timeout=120)
        assert cut.returncode == 0, cut.stdout + cut.stderr
        assert f"signed by key {signed.fingerprint}" in cut.stderr


# ---------------------------------------------------------------------------------------------
# Tampering, one kind at a time
# ---------------------------------------------------------------------------------------------

def flip_middle_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def rewrite_member(wacz: Path, name: str, change) -> None:
    """The WACZ rewritten with one member's bytes changed (every other member as it was)."""
    tmp = wacz.with_name("rewritten.zip")
    with zipfile.ZipFile(wacz) as src, zipfile.ZipFile(tmp, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, change(data) if info.filename == name else data)
    tmp.replace(wacz)


def flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]


def test_flipped_byte_in_a_warc(copy: Crawl):
    warc = max((copy.folder / "warc").glob("*.warc.gz"), key=lambda p: p.stat().st_size)
    flip_middle_byte(warc)
    assert_caught(verify(copy), copy.key(f"warc/{warc.name}"))


def test_flipped_byte_in_a_text(copy: Crawl):
    text = next((copy.folder / "text").glob("*.json"))
    text.write_bytes(text.read_bytes().replace(b'"', b"'", 1))
    assert_caught(verify(copy), copy.key(f"text/{text.name}"))


def test_flipped_byte_in_the_index(copy: Crawl):
    flip_middle_byte(copy.folder / "indexes" / "index.cdxj")
    assert_caught(verify(copy), copy.key("indexes/index.cdxj"))


def test_flipped_byte_in_the_citation_ledger(copy: Crawl):
    """citations.json, stored and carried in the WACZ: a changed stored copy, and a changed
    carried copy, are each caught."""
    flip_middle_byte(copy.folder / "citations.json")
    assert_caught(verify(copy), copy.key("citations.json"))


def test_flipped_byte_in_the_carried_citation_ledger(copy: Crawl):
    rewrite_member(copy.wacz, "crawl/citations.json", flip)
    assert_caught(verify(copy), "crawl/citations.json")


def test_flipped_byte_in_the_report(copy: Crawl):
    flip_middle_byte(copy.folder / "report.html")
    assert_caught(verify(copy), copy.key("report.html"))


def test_flipped_byte_in_pages_jsonl(copy: Crawl):
    rewrite_member(copy.wacz, "pages/pages.jsonl", flip)
    assert_caught(verify(copy), "pages/pages.jsonl")


def test_changed_stored_manifest(copy: Crawl):
    """A page's status changed in the stored manifest (its files untouched): the WACZ's signed
    copy says otherwise."""
    path = copy.folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["pages"][0]["status"] = 299
    path.write_text(json.dumps(manifest, indent=1))
    problems = assert_caught(verify(copy), copy.key("manifest.json"))
    assert any("pages" in line for line in problems), problems


def test_changed_datapackage_json(copy: Crawl):
    rewrite_member(copy.wacz, "datapackage.json", lambda data: data.replace(b'"title": "', b'"title": "X', 1))
    assert_caught(verify(copy), "datapackage.json")


def test_flipped_signature(copy: Crawl):
    def change(data: bytes) -> bytes:
        digest = json.loads(data)
        raw = bytearray(base64.b64decode(digest["signedData"]["signature"]))
        raw[10] ^= 0x01
        digest["signedData"]["signature"] = base64.b64encode(bytes(raw)).decode()
        return json.dumps(digest, indent=2).encode()

    rewrite_member(copy.wacz, "datapackage-digest.json", change)
    assert_caught(verify(copy), "datapackage-digest.json")


def test_swapped_public_key(copy: Crawl, tmp_path: Path):
    other = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    def change(data: bytes) -> bytes:
        digest = json.loads(data)
        digest["signedData"]["publicKey"] = base64.b64encode(other).decode()
        return json.dumps(digest, indent=2).encode()

    rewrite_member(copy.wacz, "datapackage-digest.json", change)
    assert_caught(verify(copy), "datapackage-digest.json")


# ---------------------------------------------------------------------------------------------
# Unsigned
# ---------------------------------------------------------------------------------------------

def test_unsigned_crawl_says_so(fixture_web: FixtureWeb, tmp_path: Path):
    crawl = Crawl(tmp_path, archive(tmp_path, fixture_web.url(ARTICLE_PATH)), None)
    result = verify(crawl)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unsigned" in result.stderr and "not timestamped" in result.stderr
    assert crawl.manifest()["evidence"] == {
        "signed": False, "fingerprint": None, "signed_at": None,
        "timestamp": {"status": "off", "tsa_url": None, "gen_time": None, "tsa": None,
                      "requested_at": None, "error": None}}
    required = verify(crawl, "--key", "a" * 64)
    assert_caught(required, "datapackage-digest.json")


# ---------------------------------------------------------------------------------------------
# Trusted time: a local RFC 3161 TSA (tests/servers/tsa.py)
# ---------------------------------------------------------------------------------------------

TOKEN = "evidence/datapackage-digest.tsr"


def tsa_env(url: str) -> dict[str, str]:
    return {"CITEWARC_TSA_URL": url}


@pytest.fixture(scope="module")
def stamped(fixture_web: FixtureWeb, tsa_server, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """A signed crawl timestamped by the local TSA."""
    workdir = tmp_path_factory.mktemp("evidence-stamped")
    fingerprint = keygen(workdir)
    crawl_id = archive(workdir, fixture_web.url(ARTICLE_PATH), env=tsa_env(tsa_server.url))
    return Crawl(workdir, crawl_id, fingerprint)


@pytest.fixture
def stamped_copy(stamped: Crawl, tmp_path: Path) -> Crawl:
    shutil.copytree(stamped.workdir / "archive", tmp_path / "archive")
    return Crawl(tmp_path, stamped.crawl_id, stamped.fingerprint)


def digest_bytes(wacz: Path) -> bytes:
    with zipfile.ZipFile(wacz) as zf:
        return zf.read("datapackage-digest.json")


def openssl_ts_verify(token: Path, data: bytes, ca_pem: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    data_file = tmp_path / "datapackage-digest.json"
    data_file.write_bytes(data)
    return subprocess.run(["openssl", "ts", "-verify", "-in", str(token), "-data", str(data_file),
                           "-CAfile", str(ca_pem)], capture_output=True, text=True, timeout=60)


def test_stamped_crawl_verifies_with_the_tsa_certificate(stamped: Crawl, tsa_server):
    result = verify(stamped, "--tsa-cert", str(tsa_server.ca_pem), "--key", stamped.fingerprint)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stderr
    evidence = stamped.manifest()["evidence"]
    stamp = evidence["timestamp"]
    assert stamp["status"] == "stamped" and stamp["tsa_url"] == tsa_server.url and stamp["gen_time"]
    assert f"signed by key {stamped.fingerprint}" in summary
    assert f"timestamped {stamp['gen_time']} by {stamp['tsa']}" in summary
    assert "TSA certificate checked" in summary
    assert "every file listed, existed unchanged at" in summary
    files = {f["key"] for f in stamped.manifest()["files"]}
    assert stamped.key(TOKEN) in files


def test_token_checks_with_openssl(stamped: Crawl, tsa_server, tmp_path: Path):
    beside = stamped.folder / TOKEN
    with zipfile.ZipFile(stamped.wacz) as zf:
        assert zf.read(TOKEN) == beside.read_bytes(), "the same token in the WACZ and beside it"
    data = digest_bytes(stamped.wacz)
    result = openssl_ts_verify(beside, data, tsa_server.ca_pem, tmp_path)
    assert result.returncode == 0 and "Verification: OK" in result.stdout, result.stdout + result.stderr
    other = openssl_ts_verify(beside, data + b" ", tsa_server.ca_pem, tmp_path)
    assert other.returncode != 0, "openssl must refuse the token for other bytes"


def test_flipped_byte_in_the_token(stamped_copy: Crawl):
    token = stamped_copy.folder / TOKEN
    data = bytearray(token.read_bytes())
    data[-40] ^= 0x01
    token.write_bytes(bytes(data))
    assert_caught(verify(stamped_copy), TOKEN)


def test_token_replayed_from_another_crawl(stamped_copy: Crawl, fixture_web: FixtureWeb, tsa_server,
                                          tmp_path_factory: pytest.TempPathFactory):
    """Another crawl's genuine token put in both places, the manifest's entries updated to match:
    only the token's imprint (another digest) gives it away."""
    other_dir = tmp_path_factory.mktemp("evidence-other")
    other = Crawl(other_dir, archive(other_dir, fixture_web.url(ARTICLE_PATH),
                                     env=tsa_env(tsa_server.url)), None)
    replayed = (other.folder / TOKEN).read_bytes()
    (stamped_copy.folder / TOKEN).write_bytes(replayed)
    rewrite_member(stamped_copy.wacz, TOKEN, lambda _: replayed)
    path = stamped_copy.folder / "manifest.json"
    manifest = json.loads(path.read_text())
    for entry in manifest["files"]:
        if entry["key"] in (stamped_copy.key(TOKEN), stamped_copy.key(stamped_copy.wacz.name)):
            data = (stamped_copy.folder / entry["key"].split("/", 1)[1]).read_bytes()
            entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
    path.write_text(json.dumps(manifest, indent=1))
    problems = assert_caught(verify(stamped_copy), TOKEN)
    assert not any(stamped_copy.key("manifest.json") + ":" in line for line in problems)


def test_changed_time_in_the_stored_manifest(stamped_copy: Crawl):
    """The evidence block is not signed (it describes the signature): verify checks it against
    the token instead."""
    path = stamped_copy.folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["evidence"]["timestamp"]["gen_time"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(manifest, indent=1))
    problems = assert_caught(verify(stamped_copy), stamped_copy.key("manifest.json"))
    assert any("2020-01-01T00:00:00Z" in line for line in problems), problems


def test_tsa_certificate_of_another_ca(stamped: Crawl, tmp_path: Path):
    other_ca = tmp_path / "other-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", str(tmp_path / "other.key"), "-out", str(other_ca),
                    "-subj", "/CN=another CA", "-days", "2"], check=True, capture_output=True)
    assert_caught(verify(stamped, "--tsa-cert", str(other_ca)), TOKEN)


def pending_marker(crawl: Crawl) -> list[Path]:
    return list((crawl.workdir / "spool").glob(f"*/{crawl.crawl_id}/timestamp-pending.json"))


def assert_pending(crawl: Crawl, result) -> None:
    assert result.returncode == 0, result.stderr
    assert "citewarc: warning: not timestamped" in result.stderr, result.stderr
    manifest = crawl.manifest()
    stamp = manifest["evidence"]["timestamp"]
    assert stamp["status"] == "pending" and stamp["error"] and stamp["requested_at"], stamp
    assert any(w.startswith("not timestamped") for w in manifest["warnings"])
    assert TOKEN not in zipfile.ZipFile(crawl.wacz).namelist()
    assert pending_marker(crawl), "a marker in the spool for the next push"
    check = verify(crawl)
    assert check.returncode == 0 and "not timestamped yet" in check.stderr, check.stdout + check.stderr


def assert_stamped_later(crawl: Crawl, tsa_server, tmp_path: Path) -> None:
    stamp = crawl.manifest()["evidence"]["timestamp"]
    assert stamp["status"] == "stamped-later" and stamp["stamped_at"] and stamp["gen_time"], stamp
    assert not pending_marker(crawl)
    result = verify(crawl, "--tsa-cert", str(tsa_server.ca_pem))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"timestamped {stamp['gen_time']}" in result.stderr
    ok = openssl_ts_verify(crawl.folder / TOKEN, digest_bytes(crawl.wacz), tsa_server.ca_pem, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_tsa_down_then_verify_timestamp(fixture_web: FixtureWeb, tsa_server, tmp_path: Path):
    keygen(tmp_path)
    with tsa_server.outage():
        asked = tsa_server.attempts
        result = run_citewarc_in(tmp_path, ["archive", fixture_web.url(ARTICLE_PATH), "--store", "archive"],
                                 env=tsa_env(tsa_server.url))
        assert tsa_server.attempts - asked >= 2, "the TSA was asked again before giving up"
    crawl = Crawl(tmp_path, result.stdout.strip().splitlines()[-1], None)
    assert_pending(crawl, result)
    stamped = citewarc(crawl, "verify", "--timestamp", crawl.crawl_id, "--store", "archive",
                       env=tsa_env(tsa_server.url))
    assert stamped.returncode == 0, stamped.stdout + stamped.stderr
    assert f"timestamped {crawl.crawl_id}" in stamped.stderr
    assert_stamped_later(crawl, tsa_server, tmp_path)


def test_tsa_refusing_then_push(fixture_web: FixtureWeb, tsa_server, tmp_path: Path):
    from tests.servers.tsa import refusing_port  # noqa: PLC0415

    with refusing_port() as port:
        url = f"http://127.0.0.1:{port}/tsa"
        result = run_citewarc_in(tmp_path, ["archive", fixture_web.url(ARTICLE_PATH), "--store", "archive"],
                                 env=tsa_env(url))
    crawl = Crawl(tmp_path, result.stdout.strip().splitlines()[-1], None)
    assert_pending(crawl, result)
    pushed = citewarc(crawl, "push", "--store", "archive", env=tsa_env(tsa_server.url))
    assert pushed.returncode == 0, pushed.stderr
    assert f"timestamped {crawl.crawl_id}" in pushed.stderr
    assert_stamped_later(crawl, tsa_server, tmp_path)


# ---------------------------------------------------------------------------------------------
# The README's recipe for a reader without citewarc (openssl, unzip, python3), run as written
# ---------------------------------------------------------------------------------------------

def readme_reader_recipe() -> str:
    """The shell block under "Without citewarc" in README.md, verbatim."""
    from tests.conftest import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    after = readme[readme.index("Without citewarc, with `openssl`"):]
    start = after.index("```sh\n") + len("```sh\n")
    block = after[start:after.index("\n```", start)]
    assert "openssl ts -verify" in block, block
    return block


def run_reader_recipe(wacz: Path, tsa_ca: Path, folder: Path) -> subprocess.CompletedProcess:
    folder.mkdir()
    shutil.copy(wacz, folder / "story.wacz")
    shutil.copy(tsa_ca, folder / "tsa-ca.pem")
    return subprocess.run(["bash", "-c", readme_reader_recipe()], cwd=folder, capture_output=True,
                          text=True, timeout=60)


def test_readme_reader_recipe_checks_a_signed_stamped_wacz(stamped: Crawl, tsa_server, tmp_path: Path):
    result = run_reader_recipe(stamped.wacz, Path(tsa_server.ca_pem), tmp_path / "reader")
    out = result.stdout + result.stderr
    assert "digest OK" in out, out
    assert f"{stamped.fingerprint}  -" in out, out
    assert "Verified OK" in out, out
    assert "Verification: OK" in out, out
    assert "Time stamp:" in out, out


def test_readme_reader_recipe_catches_a_flipped_signature(stamped_copy: Crawl, tsa_server, tmp_path: Path):
    def change(data: bytes) -> bytes:
        digest = json.loads(data)
        signature = bytearray(base64.b64decode(digest["signedData"]["signature"]))
        signature[20] ^= 0x01
        digest["signedData"]["signature"] = base64.b64encode(bytes(signature)).decode()
        return json.dumps(digest).encode()

    rewrite_member(stamped_copy.wacz, "datapackage-digest.json", change)
    result = run_reader_recipe(stamped_copy.wacz, Path(tsa_server.ca_pem), tmp_path / "reader")
    out = result.stdout + result.stderr
    assert "Verification failure" in out and "Verified OK" not in out, out
    # The digest's bytes changed, so the token no longer matches them either.
    assert "Verification: OK" not in out, out


# ---------------------------------------------------------------------------------------------
# The same in an S3 store (SeaweedFS): sealed, stamped later in place, verified from the bucket
# ---------------------------------------------------------------------------------------------

def test_signed_crawl_in_s3_stamped_later_verifies(fixture_web: FixtureWeb, tsa_server, s3_server,
                                                    tmp_path: Path):
    import uuid

    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    s3_server.start()
    client = s3_server.client()
    client.create_bucket(Bucket=bucket)
    store = f"s3://{bucket}/crawls"
    fingerprint = keygen(tmp_path)
    env = {**s3_server.env(), **tsa_env(tsa_server.url)}
    with tsa_server.outage():
        result = run_citewarc_in(tmp_path, ["archive", fixture_web.url(ARTICLE_PATH), "--store", store],
                                 env=env)
    assert result.returncode == 0, result.stderr
    crawl_id = result.stdout.strip().splitlines()[-1]

    def manifest() -> dict:
        body = client.get_object(Bucket=bucket, Key=f"crawls/{crawl_id}/manifest.json")["Body"]
        return json.loads(body.read())

    assert manifest()["evidence"]["timestamp"]["status"] == "pending"
    stamped = run_citewarc_in(tmp_path, ["verify", "--timestamp", crawl_id, "--store", store], env=env)
    assert stamped.returncode == 0, stamped.stdout + stamped.stderr
    evidence = manifest()["evidence"]
    assert evidence["timestamp"]["status"] == "stamped-later", evidence
    assert evidence["fingerprint"] == fingerprint
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="crawls/")["Contents"]}
    assert f"crawls/{crawl_id}/{TOKEN}" in keys
    checked = run_citewarc_in(tmp_path, ["verify", crawl_id, "--store", store, "--key", fingerprint,
                                         "--tsa-cert", str(tsa_server.ca_pem)], env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"signed by key {fingerprint}" in checked.stderr
    assert "(TSA certificate checked)" in checked.stderr
