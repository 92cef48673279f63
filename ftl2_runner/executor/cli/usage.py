"""``ftl2-playbook --help``, ``--version`` and a missing playbook, answered as ansible-playbook does.

These never start a job: ``ftl2-playbook`` with no script prints its usage and the
error on stderr and exits 2, like ``ansible-playbook`` (it must not fall back to a
default script the way a worker job does). Nothing here imports ftl2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import metadata

RC_USAGE = 2


def help_text() -> str:
    from .args import build_parser

    return build_parser().format_help()


def version_text() -> str:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    return (
        f"ftl2-playbook [ftl2-runner {version('ftl2-runner')}, ftl2 {version('ftl2')}]\n"
        f"  executable location = {sys.argv[0]}\n"
        f"  python version = {sys.version.splitlines()[0]} ({sys.executable})\n"
    )


def answer_without_running(argv: Sequence[str]) -> int | None:
    """Exit code for ``ftl2-playbook`` invocations that only ask for text, else None (run the job)."""
    from .args import CommandLineError, build_parser, parse_args

    try:
        args = parse_args(list(argv))
    except CommandLineError:
        return None  # the executor refuses it with the job's own error output
    if args.show_help:
        sys.stdout.write(help_text())
        return 0
    if args.show_version:
        sys.stdout.write(version_text())
        return 0
    if args.script is None and args.module_name is None:
        parser = build_parser()
        sys.stderr.write(parser.format_usage())
        sys.stderr.write(f"{parser.prog}: error: the following arguments are required: playbook\n \n")
        sys.stderr.write(parser.format_help())
        return RC_USAGE
    return None
