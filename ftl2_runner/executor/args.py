"""The executor's command line: ansible-playbook's flags, so upstream RunnerConfig can build it.

``RunnerConfig.generate_ansible_command`` assembles ``-i``, ``-e``, ``--limit``, ``-v``,
``--tags``, ``--forks`` and the contents of ``env/cmdline``; we accept the same
spellings ansible-playbook and ansible accept. Flags FTL2 has no equivalent for are
collected (not rejected), so the job can report them as warnings instead of dying.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field


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
    unsupported: list[str] = field(default_factory=list)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # never exit from inside the executor's parser
        raise ValueError(message)


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ftl2-playbook", add_help=False, allow_abbrev=False)
    p.add_argument("-i", "--inventory", "--inventory-file", dest="inventories", action="append", default=[])
    p.add_argument("-e", "--extra-vars", dest="extra_vars", action="append", default=[])
    p.add_argument("-l", "--limit", dest="limit")
    p.add_argument("-v", "--verbose", dest="verbosity", action="count", default=0)
    p.add_argument("-C", "--check", dest="check", action="store_true")
    p.add_argument("-D", "--diff", dest="diff", action="store_true")
    p.add_argument("-f", "--forks", dest="forks", type=int)
    p.add_argument("-m", "--module-name", dest="module_name")
    p.add_argument("-a", "--args", dest="module_args")
    p.add_argument("-u", "--user", dest="user")
    p.add_argument("-b", "--become", dest="become", action="store_true")
    p.add_argument("--become-user", dest="become_user")
    p.add_argument("--become-method", dest="become_method")
    p.add_argument("-t", "--tags", dest="tags", action="append", default=[])
    p.add_argument("--skip-tags", dest="skip_tags", action="append", default=[])
    p.add_argument("--start-at-task", dest="start_at_task")
    # Flags ansible-playbook accepts that FTL2 scripts cannot honour (yet): kept, then reported.
    for flags, takes_value in (
        (("-K", "--ask-become-pass"), False),
        (("-k", "--ask-pass"), False),
        (("--ask-vault-pass", "--ask-vault-password"), False),
        (("--vault-id",), True),
        (("--vault-password-file",), True),
        (("--force-handlers",), False),
        (("--flush-cache",), False),
        (("--syntax-check",), False),
        (("--list-hosts",), False),
        (("--list-tasks",), False),
        (("--step",), False),
        (("-c", "--connection"), True),
        (("-T", "--timeout"), True),
        (("--private-key", "--key-file"), True),
        (("-M", "--module-path"), True),
    ):
        kwargs = {"dest": "unsupported", "action": "append", "default": []}
        if takes_value:
            p.add_argument(*flags, **kwargs, type=lambda v, f=flags[-1]: f"{f}={v}")
        else:
            p.add_argument(*flags, dest="unsupported", action="append_const", const=flags[-1])
    p.add_argument("positional", nargs="*")
    return p


def parse_args(argv: list[str]) -> ExecutorArgs:
    """Parse an ansible-playbook-like argv. Raises ValueError on malformed input."""
    ns, unknown = _build_parser().parse_known_args(argv)
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
        unsupported=list(ns.unsupported or []) + unknown,
    )
    positional = list(ns.positional)
    if args.module_name:
        # Ad hoc form (`ansible PATTERN -m MOD`): the positional is the host pattern.
        args.host_pattern = positional.pop() if positional else None
    elif positional:
        args.script = positional.pop()
    args.unsupported.extend(positional)
    return args


def _split_tags(values: list[str]) -> list[str]:
    return [tag.strip() for value in values for tag in value.split(",") if tag.strip()]
