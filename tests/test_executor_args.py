from __future__ import annotations

import pytest

from ftl2_runner.executor.cli.args import CommandLineError, parse_args
from ftl2_runner.executor.cli.extravars import ExtraVarsError, load_extra_vars


def test_playbook_like_argv():
    args = parse_args(["--check", "-f", "3", "-i", "inv", "--limit", "web", "-e", "@x", "-vvv", "-u", "bob", "site.yml"])
    assert (args.check, args.forks, args.inventories, args.limit, args.extra_vars, args.verbosity, args.script) == (
        True,
        3,
        ["inv"],
        "web",
        ["@x"],
        3,
        "site.yml",
    )
    assert args.user == "bob" and args.unsupported == []
    vaulted = parse_args(["--ask-vault-pass", "--vault-id", "dev@prompt", "-T", "30", "x.py"])
    assert (vaulted.unsupported, vaulted.ask_vault_pass, vaulted.vault_ids) == (["--timeout=30"], True, ["dev@prompt"])
    # ansible-playbook's other flags are reported, not refused; anything else is refused by name.
    assert parse_args(["--ssh-common-args", "-o X", "-k", "x.py"]).unsupported == ["--ssh-common-args=-o X", "--ask-pass"]
    with pytest.raises(CommandLineError, match="unrecognized arguments: --frobnicate"):
        parse_args(["--frobnicate", "x.py"])
    with pytest.raises(CommandLineError, match="one FTL2 script per job; unrecognized arguments: a.py"):
        parse_args(["a.py", "b.py"])
    tagged = parse_args(["-t", "a,b", "--tags", "c", "--skip-tags", "d", "--start-at-task", "t", "-b", "--become-user", "u"])
    assert (tagged.tags, tagged.skip_tags, tagged.start_at_task, tagged.become, tagged.become_user) == (
        ["a", "b", "c"],
        ["d"],
        "t",
        True,
        "u",
    )


def test_ad_hoc_argv():
    args = parse_args(["-i", "inv", "-m", "ping", "-a", "data=x", "webservers"])
    assert (args.module_name, args.module_args, args.host_pattern, args.script) == ("ping", "data=x", "webservers", None)


def test_extra_vars_merge_left_to_right(tmp_path):
    f = tmp_path / "ev"
    f.write_text("a: 1\nb: 2\n")
    assert load_extra_vars([f"@{f}", '{"b": 3}', "c=4 d='x y'"]) == {"a": 1, "b": 3, "c": "4", "d": "x y"}


@pytest.mark.parametrize("value", ["@/nonexistent/file", "{not: [valid", "novalue"])
def test_bad_extra_vars_are_errors(value):
    with pytest.raises(ExtraVarsError):
        load_extra_vars([value])
