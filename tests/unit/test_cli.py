"""crawler/cli.py: every registered command has its --help, and the exit-code table renders into the
epilogs, the archive options are checked before anything runs (pure: argparse only, nothing crawled)."""

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


@pytest.mark.parametrize(
    ("option", "why"),
    [
        (["--browser", "sometimes"], "--browser: 'sometimes' is not a browser mode"),
        (["--browser-domain", "example.com"], "--browser-domain 'example.com': write HOST=MODE"),
        (["--browser-domain", "example.com:81=always"], "--browser-domain: example.com:81: holds a port"),
    ],
)
def test_bad_browser_option_is_one_line_and_exit_2(option, why, capsys, monkeypatch):
    import crawler.session

    monkeypatch.setattr(crawler.session, "run_crawl", lambda request: pytest.fail("crawled"))
    assert main(["archive", *option, "http://example.com/"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"citewarc: error: {why}") and err.count("\n") == 1, err


class _Crawled(Exception):
    """Raised by the stand-in run_crawl: nothing is crawled, the request is kept."""


@pytest.mark.parametrize(
    ("options", "mode", "domains"),
    [
        ([], None, None),
        (["--browser", "ALWAYS"], "always", None),
        (["--browser", "never", "--browser-domain", "Example.com=auto",
          "--browser-domain", "static.example.org=never"],
         "never", {"example.com": "auto", "static.example.org": "never"}),
    ],
)
def test_browser_options_set_the_settings(options, mode, domains, monkeypatch):
    """Not given, they leave the settings (environment, settings/base.py) as they are."""
    import crawler.session

    def run_crawl(request):
        raise _Crawled(request)

    monkeypatch.setattr(crawler.session, "run_crawl", run_crawl)
    args = build_parser().parse_args(["archive", *options, "http://example.com/"])
    with pytest.raises(_Crawled) as crawled:
        COMMANDS["archive"].run(args)
    overrides = crawled.value.args[0].overrides
    assert overrides["CITEWARC_BROWSER"] == mode
    assert overrides["CITEWARC_BROWSER_DOMAINS"] == domains
