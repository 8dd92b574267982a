"""The kill test hook counts what it is told to count (without killing anything here)."""

from __future__ import annotations

from types import SimpleNamespace

from pipelines.kill_hook import KILL_ENV, KILL_TYPE_ENV, KillSwitch


def records(*types: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(rec_type=t) for t in types]


def test_counts_every_record_by_default(monkeypatch):
    monkeypatch.setenv(KILL_ENV, "100")
    monkeypatch.delenv(KILL_TYPE_ENV, raising=False)
    switch = KillSwitch.from_env()
    switch.count(records("revisit", "request"))
    switch.count(records("metadata"))
    assert switch.written == 3


def test_counts_only_the_named_record_type(monkeypatch):
    monkeypatch.setenv(KILL_ENV, "100")
    monkeypatch.setenv(KILL_TYPE_ENV, "revisit")
    switch = KillSwitch.from_env()
    switch.count(records("response", "request"))
    switch.count(records("revisit", "request"))
    assert switch.written == 1


def test_inert_when_unset(monkeypatch):
    monkeypatch.delenv(KILL_ENV, raising=False)
    switch = KillSwitch.from_env()
    switch.count(records("response") * 5)
    assert switch.after is None and switch.written == 0
