"""Session fixtures: real local servers on 127.0.0.1 (port 0), and the CLI as a real subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.servers.fixture_web import FixtureWeb

REPO_ROOT = Path(__file__).resolve().parent.parent
CLI_TIMEOUT = 180  # seconds; a crawl that hangs fails the test instead of the whole run
PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
)

# =============================================================================================
# xdist: which worker runs which test (tests/xdist_scheduling.py)
# =============================================================================================


@pytest.hookimpl(optionalhook=True)  # xdist's hook: absent under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """The default distribution (``-n 2``) keeps each module-scoped fixture on one worker."""
    if config.getvalue("dist") != "load":
        return None
    from tests.xdist_scheduling import SharedFixtureScheduling

    return SharedFixtureScheduling(config, log)


# =============================================================================================
# Fixture web (tests/servers/fixture_web.py)
# =============================================================================================


@pytest.fixture(scope="session")
def fixture_web() -> Iterator[FixtureWeb]:
    """The fixture site, shared by the session. Use ``mark()``/``requests_since()`` per crawl."""
    with FixtureWeb() as web:
        yield web


# =============================================================================================
# The citewarc CLI as a subprocess
# =============================================================================================


def citewarc_command() -> list[str]:
    """The installed console script next to this Python, else ``python -m crawler.cli``."""
    script = Path(sys.executable).with_name("citewarc")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "crawler.cli"]


def citewarc_env(workdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    # A developer's own signing key, timestamp authority or operator name must not reach a test
    # crawl (nor its network traffic leave 127.0.0.1): each test sets what it needs.
    for name in (*PROXY_VARIABLES, "CITEWARC_STORE", "CITEWARC_SIGNING_KEY", "CITEWARC_TSA_URL",
                 "CITEWARC_OPERATOR", "CITEWARC_MEMENTO_ARCHIVES", "XDG_CONFIG_HOME"):
        env.pop(name, None)
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        CITEWARC_SETTINGS="settings.test",
        CITEWARC_SPOOL=str(workdir / "spool"),
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),  # where `citewarc keygen` puts the signing key
        NO_PROXY="*",
        # Without an installed package, `-m crawler.cli` and `settings.test` come from the repo.
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
    )
    env.update(extra or {})
    return env


def run_citewarc_in(
    workdir: Path,
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = CLI_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``citewarc *args`` with cwd ``workdir`` (so the default ./archive lands there)."""
    workdir.mkdir(parents=True, exist_ok=True)
    command = [*citewarc_command(), *map(str, args)]
    try:
        return subprocess.run(
            command,
            cwd=workdir,
            env=citewarc_env(workdir, env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
        pytest.fail(f"{command} did not finish in {timeout} s; stderr tail:\n{(stderr or '')[-3000:]}")


def run_killable(argv: list[str], workdir: Path, env: dict[str, str],
                 timeout: float) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``citewarc *argv`` in ``workdir``, for crawls that may kill
    themselves (the test hooks). Output goes to files: a killed crawl leaves extraction workers
    holding inherited pipes open, so its process group is killed afterwards."""
    out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(
            [*citewarc_command(), *argv], cwd=workdir, env=env, stdin=subprocess.DEVNULL,
            stdout=out, stderr=err, text=True, start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    return proc.returncode, out_path.read_text(), err_path.read_text()


@pytest.fixture(scope="session")
def citewarc_runner() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``citewarc_runner(workdir, args, env=None)``: for module-scoped crawls."""
    return run_citewarc_in


@pytest.fixture
def run_citewarc(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_citewarc(*args, env=None)``: the CLI in this test's tmp_path."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_citewarc_in(tmp_path, args, env=env)

    return run


# =============================================================================================
# SeaweedFS (tests/servers/seaweed.py) — added by the storage helper; keep this section for it.
# Redis (tests/servers/redis_server.py): distributed crawls (issue 12).
# TSA (tests/servers/tsa.py): a real RFC 3161 timestamp authority (issue 14).
# =============================================================================================

# redis_server, redis_url; s3_server, s3_bucket
from tests.servers.redis_fixtures import *  # noqa: E402, F403
from tests.servers.s3_fixtures import *  # noqa: E402, F403

# tsa_server
from tests.servers.tsa_fixtures import *  # noqa: E402, F403

