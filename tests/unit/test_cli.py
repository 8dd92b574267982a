"""crawler/cli.py: every registered command has its --help, and the exit-code table renders into the
epilogs (pure: argparse only, nothing crawled)."""

from __future__ import annotations

import pytest

from crawler.cli import COMMANDS, build_parser, main
from crawler.errors import EXIT_CODES, EXIT_LOCKED, EXIT_USAGE, EXIT_VERIFY, exit_codes_help


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_help(name, capsys):
    with pytest.raises(SystemExit) as stop:
        main([name, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: citewarc {name} ")
    assert "--debug" in out
    assert " ".join(COMMANDS[name].HELP.split()) in " ".join(build_parser().format_help().split())


def test_exit_code_table_renders_into_the_epilogs(capsys):
    root = build_parser().format_help()
    for code, meaning in EXIT_CODES.items():
        assert f"\n  {code}  {meaning.split()[0]}" in root
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    verify = capsys.readouterr().out
    assert "exit codes:\n  0  every listed file is present and unchanged" in verify
    assert f"\n  {EXIT_VERIFY}  " in verify and f"\n  {EXIT_LOCKED}  " not in verify


def test_exit_codes_help_wraps_and_takes_a_command_s_wording():
    text = exit_codes_help((EXIT_USAGE,), notes={EXIT_USAGE: "bad --every " + "x " * 60})
    lines = text.splitlines()
    assert lines[0] == "exit codes:" and lines[1].startswith("  2  bad --every")
    assert all(line.startswith("     ") for line in lines[2:]) and len(lines) > 2
    assert all(len(line) <= 94 for line in lines)


def test_usage_error_is_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["no-such-command"])
    assert stop.value.code == 2
