"""``ftl2-runner`` command line: ansible-runner's CLI for the commands AWX and operators use.

* ``worker`` – same flags and defaults as ``ansible-runner worker`` 2.4.3; runs FTL2 jobs.
* ``worker --worker-info`` – upstream's capacity probe with our version (no ftl2 import).
* ``worker cleanup`` – upstream's cleanup, with upstream's own argument definitions.
* ``transmit`` / ``process`` – upstream's commands, argv passed through unchanged.
* ``run DIR`` – run a job in the foreground, like ``ansible-runner run``.

Commands are described as data (``build_parser``) so tests can assert on them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from typing import Any

PROG = "ftl2-runner"
UPSTREAM_PASSTHROUGH = ("transmit", "process")


def _version() -> str:
    from . import __version__

    return __version__


def build_worker_parser() -> argparse.ArgumentParser:
    from ansible_runner import cleanup

    parser = argparse.ArgumentParser(prog=f"{PROG} worker", description="Execute work streamed from a controlling instance (AWX/Receptor).")
    sub = parser.add_subparsers(dest="worker_subcommand", description=f"{PROG} worker [sub-sub-command]")
    cleanup.add_cleanup_args(
        sub.add_parser("cleanup", help="Cleanup private_data_dir patterns from prior jobs and supporting temporary folders.")
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--private-data-dir", help="base directory containing the job's metadata (project, inventory, env, etc)")
    parser.add_argument(
        "--worker-info",
        dest="worker_info",
        action="store_true",
        help="show the execution node's runner version along with its memory and CPU capacities",
    )
    parser.add_argument(
        "--delete",
        dest="delete_directory",
        action="store_true",
        default=False,
        help="Delete the --private-data-dir before unpacking the job into it, and again when the job finishes.",
    )
    parser.add_argument(
        "--keepalive-seconds",
        dest="keepalive_seconds",
        default=None,
        type=int,
        help="Emit a synthetic keepalive event every N seconds of idle. (default=0, disabled; env ANSIBLE_RUNNER_KEEPALIVE_SECONDS)",
    )
    _add_logging_args(parser)
    return parser


def build_run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{PROG} run", description="Run an FTL2 job in the foreground, like `ansible-runner run`.")
    parser.add_argument("private_data_dir", help="base directory containing project/, inventory/, env/")
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "-p",
        "--playbook",
        help="the FTL2 script to run, relative to PRIVATE_DATA_DIR/project (default: $FTL2_SCRIPT, then /opt/ftl2/main.py)",
    )
    what.add_argument("-m", "--module", help="run an ad hoc command with this module (as `ansible -m`)")
    parser.add_argument("-a", "--args", dest="module_args", help="the ad hoc module's arguments")
    parser.add_argument("--hosts", help="the ad hoc command's host pattern (default: all)")
    parser.add_argument("-i", "--ident", help="artifact directory name (default: a new uuid)")
    parser.add_argument("--inventory", help="inventory file, relative to PRIVATE_DATA_DIR/inventory or absolute")
    parser.add_argument("--limit", help="host pattern to limit the job to")
    parser.add_argument("--cmdline", help="extra ansible-playbook-style arguments")
    parser.add_argument("--forks", type=int)
    parser.add_argument("--artifact-dir", help="where to write artifacts (default: PRIVATE_DATA_DIR/artifacts)")
    parser.add_argument("--project-dir")
    parser.add_argument("--rotate-artifacts", type=int, default=0)
    parser.add_argument("-j", "--json", action="store_true", help="print events as JSON instead of text")
    parser.add_argument("--omit-event-data", action="store_true", help="leave event_data out of the events")
    parser.add_argument("--only-failed-event-data", action="store_true", help="leave event_data out of the events, except for failed tasks")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("-v", dest="verbosity", action="count", default=None)
    _add_logging_args(parser)
    return parser


def _add_logging_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="enable ansible-runner debug output logging")
    parser.add_argument("--logfile", help="log output messages to a file")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser; used for --help and to validate the command name."""
    parser = argparse.ArgumentParser(prog=PROG, description="Run FTL2 automation scripts wherever AWX expects ansible-runner.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("worker", help="execute a job streamed on stdin (what Receptor runs)", add_help=False)
    sub.add_parser("transmit", help="send a private data dir as a job stream (ansible-runner's)", add_help=False)
    sub.add_parser("process", help="receive a worker's output stream (ansible-runner's)", add_help=False)
    sub.add_parser("run", help="run a job in the foreground", add_help=False)
    sub.add_parser("gate", help="build FTL2's remote gate ahead of time (for offline execution nodes)", add_help=False)
    return parser


def build_gate_parser() -> argparse.ArgumentParser:
    from .executor.ftl2.gate import DEFAULT_GATE_DIR, DEFAULT_INTERPRETERS

    parser = argparse.ArgumentParser(prog=f"{PROG} gate", description="Prebuild FTL2's remote gate.")
    sub = parser.add_subparsers(dest="gate_command", required=True)
    build = sub.add_parser("build", help="build gates into a directory the worker seeds FTL2's cache from")
    build.add_argument(
        "--output-dir",
        default=DEFAULT_GATE_DIR,
        help=f"where to write the gates (default {DEFAULT_GATE_DIR}; the worker reads $FTL2_RUNNER_GATE_DIR or this default)",
    )
    build.add_argument(
        "--interpreter",
        action="append",
        dest="interpreters",
        help=f"remote Python interpreter to build for (repeatable; default {' and '.join(DEFAULT_INTERPRETERS)})",
    )
    build.add_argument("--module", action="append", dest="modules", default=[], help="module to bake in (repeatable)")
    return parser


def gate_main(argv: list[str]) -> int:
    import os

    os.environ["FTL2_TELEMETRY"] = "off"
    args = build_gate_parser().parse_args(argv)
    from .executor.ftl2.gate import GateBuildError, build_gates

    try:
        paths = build_gates(args.output_dir, args.interpreters, args.modules)
    except GateBuildError as exc:
        print(f"{PROG} gate build: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("worker", "run", "gate", *UPSTREAM_PASSTHROUGH):
        build_parser().parse_args(argv or ["--help"])
        return 2
    command, rest = argv[0], argv[1:]
    if command == "worker":
        return worker_main(rest)
    if command == "run":
        return run_main(rest)
    if command == "gate":
        return gate_main(rest)
    return upstream_main([command, *rest])


def upstream_main(argv: list[str]) -> int:
    """ansible-runner's own CLI for commands we take from upstream unchanged, named ftl2-runner.

    Upstream builds its parser with ``prog='ansible-runner'``, so its ``--help`` and
    usage errors would name a program the user did not run; upstream's ``main`` is
    called with its parser class resolved to one that takes our name instead
    (``upstream.with_names``: ansible-runner's module itself is not changed).
    """
    import ansible_runner.__main__ as upstream_cli

    from .processes.upstream import with_names

    class NamedParser(upstream_cli.AnsibleRunnerArgumentParser):
        def __init__(self, *args: Any, **kwargs: Any):
            if kwargs.get("prog") == "ansible-runner":
                kwargs["prog"] = PROG
            super().__init__(*args, **kwargs)

    rc = with_names(upstream_cli.main, AnsibleRunnerArgumentParser=NamedParser)(argv)
    return rc if isinstance(rc, int) else 0


def worker_main(argv: list[str]) -> int:
    from .processes import warm_executor
    from .processes.warm_start import may_run_a_job

    if may_run_a_job(["worker", *argv]):
        # The console script started it already (console.py); `main(["worker", ...])` called
        # from Python gets one here, before the parser below imports ansible_runner.
        warm_executor.start()
    try:
        return _worker_command(argv)
    finally:
        warm_executor.discard()  # no job claimed it (a usage error, --worker-info, cleanup, an error status)


def _worker_command(argv: list[str]) -> int:
    args = build_worker_parser().parse_args(argv)
    if args.worker_subcommand == "cleanup":
        from ansible_runner import cleanup

        cleanup.run_cleanup(vars(args))
        return 0
    if args.worker_info:
        from .worker_info import collect_worker_info, render_worker_info

        sys.stdout.write(render_worker_info(collect_worker_info(_version())))
        return 0

    from .processes.cancel import CancelWatch, JobCanceled
    from .worker import RC_CANCELED, write_final_status

    _import_the_job_path()  # while a signal is only noted (early_signals): never a cancel inside an import
    sys.unraisablehook = _unraisable_to_the_log  # stderr is the result stream under Receptor
    watch = CancelWatch()
    try:
        watch.install()  # before anything is read: a cancel at any moment ends with a status and eof
        if watch.is_set():
            raise JobCanceled(0)  # noted by the console script while it was importing
        return _worker_job(args, watch)
    except JobCanceled:
        write_final_status(None, {"status": "canceled"})
        return RC_CANCELED
    finally:
        _ignore_late_signals()


def _unraisable_to_the_log(unraisable: Any) -> None:
    """What Python would print as "Exception ignored in ..." goes to the debug log, not stderr.

    Receptor merges the worker's stderr into the result stream, where such a line is not JSON.
    Upstream's Runner leaves its ``stdout`` artifact file to the garbage collector when a write
    to it fails (a full disk): its last flush failed again there, and was printed.
    """
    import logging

    logging.getLogger("ansible-runner").debug(
        "ftl2-runner: exception ignored in %r: %r", unraisable.object, unraisable.exc_value, exc_info=unraisable.exc_value
    )


def _import_the_job_path() -> None:
    """Import what a job imports on its way to the executor, before the cancel watch may raise.

    From ``CancelWatch.install`` until the job starts, a signal raises ``JobCanceled`` where the
    worker is; inside an import that can be an importlib weakref callback, which swallows it.
    """
    import datetime  # noqa: F401
    import uuid  # noqa: F401

    import ansible_runner.interface
    import ansible_runner.runner
    import ansible_runner.utils.base64io
    import ansible_runner.utils.streaming  # noqa: F401

    from .executor.display import partial_files  # noqa: F401
    from .intake import job_paths, safe_unzip  # noqa: F401
    from .processes import config, process_tree, runner_spawn, upstream  # noqa: F401


def _worker_job(args: argparse.Namespace, watch: Any) -> int:
    from .worker import InvalidWorkerSetting, keepalive_from_environment, run_worker, write_final_status

    try:
        keepalive = args.keepalive_seconds if args.keepalive_seconds is not None else keepalive_from_environment()
    except InvalidWorkerSetting as exc:
        write_final_status(None, {"status": "error", "job_explanation": str(exc)})
        return 0
    problem = _data_dir_problem(args.private_data_dir, args.delete_directory)
    if problem:
        write_final_status(None, {"status": "error", "job_explanation": problem})
        return 0

    from ansible_runner.utils import register_for_cleanup

    private_data_dir = args.private_data_dir
    if private_data_dir and args.delete_directory:
        register_for_cleanup(private_data_dir)  # first, so a cancel during the delete still cleans up
        shutil.rmtree(private_data_dir, ignore_errors=True)
    elif private_data_dir is None:
        private_data_dir = tempfile.mkdtemp()
        register_for_cleanup(private_data_dir)
    private_data_dir = os.path.abspath(private_data_dir)
    _configure_logging(args)
    try:
        os.makedirs(private_data_dir, mode=0o700, exist_ok=True)
    except OSError as exc:
        write_final_status(
            None, {"status": "error", "job_explanation": f"Cannot create the private data directory {private_data_dir}: {exc.strerror}"}
        )
        return 0

    _status, rc = run_worker(
        private_data_dir=private_data_dir,
        keepalive_seconds=keepalive,
        debug=args.debug,
        logfile=args.logfile,
        ignore_logging=False,
        cancel_watch=watch,
    )
    return rc if isinstance(rc, int) else 0


def _data_dir_problem(private_data_dir: str | None, delete: bool) -> str | None:
    """Why ``--private-data-dir`` cannot hold a job, checked before anything is read or written."""
    if private_data_dir is None:
        return None
    if delete and os.path.islink(private_data_dir):
        return (
            f"--private-data-dir {private_data_dir} is a symlink: with --delete the worker would remove only "
            f"the link and leave the job's files, secrets included, on disk; pass the directory itself"
        )
    if os.path.lexists(private_data_dir) and not os.path.isdir(private_data_dir) and not delete:
        return f"--private-data-dir {private_data_dir} exists and is not a directory"
    if os.path.isdir(private_data_dir) and not os.access(private_data_dir, os.W_OK | os.X_OK):
        return f"--private-data-dir {private_data_dir} is not writable by the worker"
    return None


def _ignore_late_signals() -> None:
    """After eof, a SIGINT/SIGTERM (Receptor's release, AWX's reaper) must not turn a finished job into a crash.

    Python restores the default handlers at interpreter shutdown unless they are
    SIG_IGN, so a signal arriving during the final cleanup (``--delete``) would kill
    the worker with -2; ignoring them once the stream is complete prevents that.
    """
    import signal

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


def run_main(argv: list[str]) -> int:
    parser = build_run_parser()
    args = parser.parse_args(argv)
    if (args.module_args is not None or args.hosts is not None) and args.module is None:
        parser.error("-a/--args and --hosts go with -m/--module (an ad hoc command)")
    private_data_dir = os.path.abspath(args.private_data_dir)
    if not os.path.isdir(private_data_dir):
        # ansible-runner answers a mistyped data dir in one line too (it creates the directory
        # and then cannot find the playbook); we create nothing where the user did not mean to.
        sys.stderr.write(f"[ERROR]: the private data dir: {args.private_data_dir} could not be found\n")
        return 1
    _configure_logging(args)
    options: dict[str, Any] = {
        "private_data_dir": private_data_dir,
        "ident": args.ident,
        "playbook": args.playbook,
        "module": args.module,
        "module_args": args.module_args,
        "host_pattern": args.hosts,
        "omit_event_data": args.omit_event_data or None,
        "only_failed_event_data": args.only_failed_event_data or None,
        "inventory": _inventory_option(private_data_dir, args.inventory),
        "limit": args.limit,
        "cmdline": args.cmdline,
        "forks": args.forks,
        "artifact_dir": args.artifact_dir,
        "project_dir": args.project_dir,
        "rotate_artifacts": args.rotate_artifacts,
        "json_mode": args.json,
        "quiet": args.quiet,
        "verbosity": args.verbosity,
        "debug": args.debug,
        "logfile": args.logfile,
        "ignore_logging": False,
    }
    from .interface import run

    runner = run(**{k: v for k, v in options.items() if v is not None})
    return runner.rc if isinstance(runner.rc, int) else 1


def _inventory_option(private_data_dir: str, inventory: str | None) -> str | None:
    if inventory is None:
        return None
    candidate = os.path.join(private_data_dir, "inventory", inventory)
    return candidate if os.path.exists(candidate) else os.path.abspath(inventory)


def _configure_logging(args: argparse.Namespace) -> None:
    from ansible_runner import output

    output.configure()
    output.set_debug("enable" if args.debug else "disable")
    if args.logfile:
        output.set_logfile(args.logfile)
