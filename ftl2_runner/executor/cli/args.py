"""The executor's command line: ansible-playbook's flags, so upstream RunnerConfig can build it.

``RunnerConfig.generate_ansible_command`` assembles ``-i``, ``-e``, ``--limit``, ``-v``,
``--tags``, ``--forks`` and the contents of ``env/cmdline``; we accept the same
spellings ansible-playbook and ansible accept. Three kinds of flags:

* flags we honour (most of them, and the "look, don't run" ones: ``--syntax-check``,
  ``--list-hosts``, ``--list-tasks``, ``--list-tags``, ``--version``, ``-h``);
* flags ansible-playbook knows that FTL2 cannot honour (``--ask-pass``,
  ``--timeout``...): collected in ``unsupported``, and the job says so in a warning.
  AWX adds some of them itself (password prompts), so refusing would break its jobs.
  The vault flags AWX sends (``--ask-vault-pass``, ``--vault-id <id>@prompt``) are honoured:
  the executor prompts as ansible-playbook does and decrypts ``!vault`` values;
* anything else (a typo, a flag of a newer Ansible, a second playbook): ``parse_args``
  raises ``CommandLineError`` naming it, and the job is refused before anything runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn


class CommandLineError(ValueError):
    """The command line cannot be run as given; the message names the offending argument."""


@dataclass
class ExecutorArgs:
    script: str | None = None
    inventories: list[str] = field(default_factory=list)
    extra_vars: list[str] = field(default_factory=list)
    limit: str | None = None
    verbosity: int = 0
    check: bool = False
    diff: bool = False
    forks: int | None = None
    module_name: str | None = None
    module_args: str | None = None
    host_pattern: str | None = None
    user: str | None = None
    become: bool = False
    become_user: str | None = None
    become_method: str | None = None
    tags: list[str] = field(default_factory=list)
    skip_tags: list[str] = field(default_factory=list)
    start_at_task: str | None = None
    syntax_check: bool = False
    list_hosts: bool = False
    list_tasks: bool = False
    list_tags: bool = False
    show_help: bool = False
    show_version: bool = False
    ask_vault_pass: bool = False
    vault_ids: list[str] = field(default_factory=list)
    vault_password_files: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # never exit from inside the executor's parser
        raise CommandLineError(message)


PROG = "ftl2-playbook"
DESCRIPTION = (
    "Runs an FTL2 script (async def run(inventory_path, extravars, runner)) the way "
    "ansible-playbook runs a playbook, with ansible-playbook's output and exit codes."
)


def build_parser() -> argparse.ArgumentParser:
    """The parser; also the source of ``ftl2-playbook --help``."""
    p = _Parser(prog=PROG, description=DESCRIPTION, add_help=False, allow_abbrev=False)
    p.add_argument("-h", "--help", dest="show_help", action="store_true", help="show this help message and exit")
    p.add_argument("--version", dest="show_version", action="store_true", help="show the version and exit")
    p.add_argument(
        "-i",
        "--inventory",
        "--inventory-file",
        dest="inventories",
        action="append",
        default=[],
        metavar="INVENTORY",
        help="inventory file (INI or YAML); may be given more than once",
    )
    p.add_argument(
        "-e", "--extra-vars", dest="extra_vars", action="append", default=[], help="extra variables as key=value, YAML/JSON, or @file"
    )
    p.add_argument("-l", "--limit", dest="limit", help="further limit selected hosts to a pattern")
    p.add_argument(
        "-v",
        "--verbose",
        dest="verbosity",
        action="count",
        default=0,
        help="more output; -vvv shows connection messages and full tracebacks",
    )
    p.add_argument("-C", "--check", dest="check", action="store_true", help="don't make any changes")
    p.add_argument("-D", "--diff", dest="diff", action="store_true", help="show the changes file-type modules make (runner_on_file_diff)")
    p.add_argument("-f", "--forks", dest="forks", type=int, help="accepted; FTL2 runs a task on all hosts at once")
    p.add_argument("-m", "--module-name", dest="module_name", help="ad hoc: the module to run (as `ansible -m`)")
    p.add_argument("-a", "--args", dest="module_args", help="ad hoc: the module's arguments")
    p.add_argument("-u", "--user", dest="user", help="connect as this user")
    p.add_argument("-b", "--become", dest="become", action="store_true", help="run operations with become (sudo)")
    p.add_argument("--become-user", dest="become_user", help="run operations as this user")
    p.add_argument("--become-method", dest="become_method", help="only sudo is supported")
    p.add_argument("-t", "--tags", dest="tags", action="append", default=[], help="only run tasks tagged with these values")
    p.add_argument("--skip-tags", dest="skip_tags", action="append", default=[], help="skip tasks tagged with these values")
    p.add_argument("--start-at-task", dest="start_at_task", help="start at the task with this name")
    p.add_argument("--syntax-check", dest="syntax_check", action="store_true", help="load and compile the script, but do not run it")
    p.add_argument(
        "--list-hosts",
        dest="list_hosts",
        action="store_true",
        help="list the hosts the inventory and --limit select; does not run the script",
    )
    p.add_argument("--list-tasks", dest="list_tasks", action="store_true", help="refused: a script's tasks are known only by running it")
    p.add_argument("--list-tags", dest="list_tags", action="store_true", help="refused: a script's tags are known only by running it")
    p.add_argument(
        "-J", "--ask-vault-pass", "--ask-vault-password", dest="ask_vault_pass", action="store_true", help="ask for the vault password"
    )
    p.add_argument("--vault-id", dest="vault_ids", action="append", default=[], help="a vault identity: ID@prompt or ID@FILE")
    p.add_argument(
        "--vault-pass-file", "--vault-password-file", dest="vault_password_files", action="append", default=[], help="a vault password file"
    )
    # Every other flag of ansible-playbook 2.21 (`ansible-playbook --help`): FTL2 scripts cannot
    # honour them (yet), so they are kept and reported as warnings, never refused.
    for flags, takes_value in (
        (("-K", "--ask-become-pass"), False),
        (("-k", "--ask-pass"), False),
        (("--become-pass-file", "--become-password-file"), True),
        (("--conn-pass-file", "--connection-password-file"), True),
        (("--ssh-common-args",), True),
        (("--ssh-extra-args",), True),
        (("--sftp-extra-args",), True),
        (("--scp-extra-args",), True),
        (("--force-handlers",), False),
        (("--flush-cache",), False),
        (("--step",), False),
        (("-c", "--connection"), True),
        (("-T", "--timeout"), True),
        (("--private-key", "--key-file"), True),
        (("-M", "--module-path"), True),
    ):
        kwargs: dict[str, Any] = {"dest": "unsupported", "action": "append", "default": []}
        if takes_value:
            p.add_argument(*flags, **kwargs, type=_flag_with_value(flags[-1]), help=argparse.SUPPRESS)
        else:
            p.add_argument(*flags, dest="unsupported", action="append_const", const=flags[-1], help=argparse.SUPPRESS)
    p.add_argument("positional", nargs="*", metavar="playbook", help="the FTL2 script (any file name)")
    return p


def _flag_with_value(flag: str) -> Callable[[str], str]:
    """The ``type`` of an unsupported flag that takes a value: keeps ``--flag=value`` for the warning."""
    return lambda value: f"{flag}={value}"


def parse_args(argv: list[str]) -> ExecutorArgs:
    """Parse an ansible-playbook-like argv. Raises CommandLineError on anything it cannot run."""
    ns, unknown = build_parser().parse_known_args(argv)
    if unknown:
        raise CommandLineError(f"unrecognized arguments: {' '.join(unknown)}")
    args = ExecutorArgs(
        inventories=ns.inventories,
        extra_vars=ns.extra_vars,
        limit=ns.limit,
        verbosity=ns.verbosity,
        check=ns.check,
        diff=ns.diff,
        forks=ns.forks,
        module_name=ns.module_name,
        module_args=ns.module_args,
        user=ns.user,
        become=ns.become,
        become_user=ns.become_user,
        become_method=ns.become_method,
        tags=_split_tags(ns.tags),
        skip_tags=_split_tags(ns.skip_tags),
        start_at_task=ns.start_at_task,
        syntax_check=ns.syntax_check,
        list_hosts=ns.list_hosts,
        list_tasks=ns.list_tasks,
        list_tags=ns.list_tags,
        show_help=ns.show_help,
        show_version=ns.show_version,
        ask_vault_pass=ns.ask_vault_pass,
        vault_ids=list(ns.vault_ids),
        vault_password_files=list(ns.vault_password_files),
        unsupported=list(ns.unsupported or []),
    )
    positional = list(ns.positional)
    if args.module_name:
        # Ad hoc form (`ansible PATTERN -m MOD`): the positional is the host pattern.
        args.host_pattern = positional.pop() if positional else None
    elif positional:
        args.script = positional.pop()
    if positional:
        what = "host pattern" if args.module_name else "FTL2 script"
        raise CommandLineError(f"one {what} per job; unrecognized arguments: {' '.join(positional)}")
    return args


def _split_tags(values: list[str]) -> list[str]:
    return [tag.strip() for value in values for tag in value.split(",") if tag.strip()]
