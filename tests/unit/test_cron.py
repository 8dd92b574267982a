"""crawler.commands.cron: --every as a cron schedule, and the crontab line cron can run as is."""

from __future__ import annotations

import shlex
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from crawler.commands.cron import cron_entry
from crawler.errors import UsageError
from crawler.schedule import citewarc_executable, schedule

JOB = "name: {name}\n{store}seeds:\n  urls: [http://example.com/story]\n"


def minutes(fields: str) -> list[int]:
    return [int(m) for m in fields.split()[0].split(",")]


def steps(values: list[int]) -> list[int]:
    return [b - a for a, b in zip(values, values[1:], strict=False)]


# --- schedule ---------------------------------------------------------------------------------


def test_every_15m():
    when = schedule("15m", "deir-ez-zor")
    m = minutes(when.fields)
    assert len(m) == 4 and m[0] < 15 and steps(m) == [15] * 3
    assert when.fields.split()[1:] == ["*", "*", "*", "*"]


def test_every_6h():
    fields = schedule("6h", "deir-ez-zor").fields.split()
    assert 0 <= int(fields[0]) < 60
    hours = [int(h) for h in fields[1].split(",")]
    assert len(hours) == 4 and hours[0] < 6 and steps(hours) == [6] * 3
    assert fields[2:] == ["*", "*", "*"]


def test_every_1d():
    minute, hour, *rest = schedule("1d", "deir-ez-zor").fields.split()
    assert 0 <= int(minute) < 60 and 0 <= int(hour) < 24 and rest == ["*", "*", "*"]


@pytest.mark.parametrize(("every", "same_as"), [("60m", "1h"), ("24h", "1d"), (" 6H ", "6h")])
def test_equivalent_spellings(every, same_as):
    assert schedule(every, "job").fields == schedule(same_as, "job").fields


def test_every_minute_and_every_hour():
    assert schedule("1m", "job").fields == "* * * * *"
    minute, *rest = schedule("1h", "job").fields.split()
    assert 0 <= int(minute) < 60 and rest == ["*", "*", "*", "*"]


def test_offset_is_stable_and_spreads_jobs():
    assert schedule("6h", "a-job").fields == schedule("6h", "a-job").fields
    starts = {minutes(schedule("1h", f"job-{i}").fields)[0] for i in range(40)}
    assert len(starts) > 15, "forty jobs should not start in a handful of minutes"


@pytest.mark.parametrize("every", ["7m", "0m", "5h", "0h", "2d", "90m", "6", "h", "6 h", "-6h",
                                   "1w", ""])
def test_bad_periods(every):
    with pytest.raises(UsageError, match=r"--every .*(divide|use Nm)"):
        schedule(every, "job")


# --- the printed lines ------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path, monkeypatch):
    for name in ("CITEWARC_STORE", "CITEWARC_LOG_FILE", "CITEWARC_SPOOL", "CITEWARC_SETTINGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


def write_job(folder: Path, name: str = "deir-ez-zor", store: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "job.yaml"
    path.write_text(JOB.format(name=name, store=f"store: {store}\n" if store else ""))
    return path


def lines_for(job: Path | str, every: str = "6h", store=None, log_file=None) -> tuple[str, list[str]]:
    entry = cron_entry(Namespace(jobfile=str(job), every=every, store=store, log_file=log_file))
    return entry.comment, shlex.split(entry.line)


def test_line_has_absolute_paths_and_appends_to_the_cron_log(home, tmp_path):
    job = write_job(tmp_path / "jobs", store="s3://bucket/news")
    comment, words = lines_for(Path("jobs/job.yaml"), "15m")
    cache = home / ".cache" / "citewarc"
    assert comment.startswith("# citewarc job 'deir-ez-zor' every 15m: store s3://bucket/news; lock ")
    assert str(cache / "locks") in comment and comment.count("deir-ez-zor.lock") == 1
    assert f"log {cache / 'logs' / 'deir-ez-zor' / '{crawl_id}.log'}" in comment
    assert len(words[0].split(",")) == 4 and words[1:5] == ["*", "*", "*", "*"]
    command = words[5:]
    assert Path(command[0]).is_absolute()
    assert command[1:3] == ["crawl", str(job)], "the job file's absolute path"
    assert "--store" not in command and not any(w.startswith("CITEWARC_STORE=") for w in words)
    assert command[-3:] == [">>", str(cache / "logs" / "deir-ez-zor" / "cron.log"), "2>&1"]


def test_1d_line(home, tmp_path):
    write_job(tmp_path, store="s3://bucket/news")
    _, words = lines_for(tmp_path / "job.yaml", "1d")
    assert words[2:5] == ["*", "*", "*"] and words[0].isdigit() and words[1].isdigit()


def test_default_store_is_pinned_absolutely(home, tmp_path):
    """Under cron ./archive would be $HOME/archive: the line names the folder meant now."""
    write_job(tmp_path)
    _, words = lines_for(tmp_path / "job.yaml")
    assert words[words.index("--store") + 1] == str(tmp_path / "archive")


def test_relative_store_option_is_made_absolute(home, tmp_path):
    write_job(tmp_path)
    _, words = lines_for(tmp_path / "job.yaml", store="out/store")
    assert words[words.index("--store") + 1] == str(tmp_path / "out" / "store")


def test_job_store_relative_to_the_job_file(home, tmp_path):
    write_job(tmp_path / "jobs", store="archive")
    comment, words = lines_for(tmp_path / "jobs" / "job.yaml")
    assert f"store {tmp_path / 'jobs' / 'archive'};" in comment
    assert "--store" not in words, "the job file says it; cron reads the same file"


def test_environment_that_decides_where_runs_go_is_carried(home, tmp_path, monkeypatch):
    write_job(tmp_path)
    monkeypatch.setenv("CITEWARC_STORE", "s3://bucket/from env")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    comment, words = lines_for(tmp_path / "job.yaml")
    assert "CITEWARC_STORE=s3://bucket/from env" in words
    assert f"XDG_CACHE_HOME={tmp_path / 'cache'}" in words
    assert "--store" not in words
    assert words[-2] == str(tmp_path / "cache" / "citewarc" / "logs" / "deir-ez-zor" / "cron.log")


def test_log_file_option(home, tmp_path):
    write_job(tmp_path, store="s3://b/p")
    comment, words = lines_for(tmp_path / "job.yaml", log_file="logs/{job}-{crawl_id}.log")
    assert words[words.index("--log-file") + 1] == str(tmp_path / "logs" / "{job}-{crawl_id}.log")
    assert f"log {tmp_path / 'logs' / 'deir-ez-zor-{crawl_id}.log'}" in comment


def test_percent_is_escaped_for_cron(home, tmp_path):
    """cron turns a bare % into a newline."""
    write_job(tmp_path)
    line = cron_entry(Namespace(jobfile=str(tmp_path / "job.yaml"), every="1h",
                                store=str(tmp_path / "50%"), log_file=None)).line
    assert "\\%" in line and "%" not in line.replace("\\%", "")


def test_bad_job_is_a_usage_error(home, tmp_path):
    (tmp_path / "job.yaml").write_text("name: x\nseeds: {urls: [nope]}\n")
    with pytest.raises(UsageError, match=r"seeds\.urls\[0\]"):
        lines_for(tmp_path / "job.yaml")


def test_executable_is_the_console_script(monkeypatch, tmp_path):
    script = tmp_path / "bin" / "citewarc"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "argv", [str(script), "cron"])
    assert citewarc_executable() == [str(script)]
    monkeypatch.setattr(sys, "argv", ["/somewhere/crawler/cli.py", "cron"])
    assert all(Path(part).is_absolute() for part in citewarc_executable()[:1])


def test_s3_endpoint_is_carried_but_never_the_keys(home, tmp_path, monkeypatch):
    write_job(tmp_path, store="s3://bucket/news")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8333")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    _, words = lines_for(tmp_path / "job.yaml")
    assert "AWS_ENDPOINT_URL=http://127.0.0.1:8333" in words
    assert not any("AKIAEXAMPLE" in w or "secret" in w for w in words)


def test_s3_variables_stay_out_of_a_local_job(home, tmp_path, monkeypatch):
    write_job(tmp_path, store="archive")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8333")
    _, words = lines_for(tmp_path / "job.yaml")
    assert not any(w.startswith("AWS_") for w in words)


# --- hostile job files: nothing may add a line to the crontab ----------------------------------

INJECTED = "\n* * * * * touch /tmp/citewarc-pwned"


@pytest.mark.parametrize(("field", "where"), [("store", "store"), ("log_file", "log_file")])
def test_control_characters_in_the_job_file_are_refused(home, tmp_path, field, where):
    job = tmp_path / "job.yaml"
    job.write_text(f"name: deir-ez-zor\n{field}: {str(tmp_path / 'x')+INJECTED!r}\n"
                   "seeds:\n  urls: [http://example.com/story]\n".replace("'", '"'))
    with pytest.raises(UsageError, match=rf"{where}: holds a control character \('\\n'\)"):
        lines_for(job)


@pytest.mark.parametrize("char", ["\r", "\x00", "\x1b", "\u2028", "\x85"])
def test_every_control_character_in_the_store_is_refused(home, tmp_path, char):
    write_job(tmp_path)
    with pytest.raises(UsageError, match="--store.*control character"):
        lines_for(tmp_path / "job.yaml", store=f"{tmp_path}/a{char}b")


def test_control_characters_in_options_are_refused(home, tmp_path):
    write_job(tmp_path)
    with pytest.raises(UsageError, match="--log-file holds a control character"):
        lines_for(tmp_path / "job.yaml", log_file="x.log" + INJECTED)


@pytest.mark.parametrize("variable", ["CITEWARC_STORE", "CITEWARC_LOG_FILE", "CITEWARC_SPOOL",
                                      "XDG_CACHE_HOME", "CITEWARC_SETTINGS"])
def test_control_characters_in_carried_environment_are_refused(home, tmp_path, monkeypatch,
                                                                variable):
    write_job(tmp_path)
    monkeypatch.setenv(variable, str(tmp_path / "v") + INJECTED)
    with pytest.raises(UsageError, match=f"{variable}.*control character"):
        lines_for(tmp_path / "job.yaml")


def test_control_characters_in_the_job_file_path_are_refused(home, tmp_path):
    job = write_job(tmp_path / ("jobs" + INJECTED.replace("/", "_")))
    with pytest.raises(UsageError, match="job file's path holds a control character"):
        lines_for(job)


def test_control_characters_in_home_are_refused(home, tmp_path, monkeypatch):
    write_job(tmp_path, store="s3://bucket/news")
    monkeypatch.setenv("HOME", str(tmp_path / "home") + INJECTED)
    with pytest.raises(UsageError, match="control character"):
        lines_for(tmp_path / "job.yaml")
