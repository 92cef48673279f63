"""``python -m ftl2_runner.executor`` / ``ftl2-playbook``: run one FTL2 script like ansible-playbook.

This is the child process upstream ``Runner`` spawns under a pty in place of
``ansible-playbook``. It takes the same kind of argv (``-i INVENTORY -e @EXTRAVARS
-v ... SCRIPT``), runs the script's ``async def run(inventory_path, extravars, runner)``
on FTL2, reports everything through the display protocol, and exits with
ansible-playbook's codes: 0 ok, 2 failed hosts, 4 unreachable hosts, 1 when the
script cannot be loaded or crashes, or whatever the script returns/exits with.

Outside ansible-runner (no ``AWX_ISOLATED_DATA_DIR``) it prints plain Ansible-style
output, so the same command is handy from a shell.
"""

from __future__ import annotations

import asyncio
import os
import sys
import traceback
from collections.abc import Mapping
from typing import Any

DEFAULT_SCRIPT = "/opt/ftl2/main.py"
RC_SCRIPT_ERROR = 1
RC_COMMAND_LINE_ERROR = 2  # ansible-playbook's (argparse's) code for arguments it does not know


def main(argv: list[str] | None = None) -> int:
    os.environ["FTL2_TELEMETRY"] = "off"  # never phone home from a job (ftl2's CLI would)
    from .display.output_capture import OutputCapture

    capture = OutputCapture()
    import faulthandler

    # A crash (segfault) is reported straight to the pty: the capture thread dies with us.
    faulthandler.enable(file=os.fdopen(os.dup(capture.protocol_fd), "w", closefd=True), all_threads=False)
    try:
        return _run(capture, sys.argv[1:] if argv is None else argv)
    except BaseException:
        # A bug in the executor itself: say so on the pty (stderr is captured and about to close).
        message = "[ERROR]: ftl2-runner's executor failed:\n" + traceback.format_exc()
        os.write(capture.protocol_fd, message.encode("utf-8", "replace"))
        return RC_SCRIPT_ERROR
    finally:
        capture.flush()
        capture.close_channel()


def playbook_main(argv: list[str] | None = None) -> int:
    """``ftl2-playbook``: like ansible-playbook, help, version and a missing script never run anything."""
    from .cli.usage import answer_without_running

    argv = sys.argv[1:] if argv is None else argv
    answered = answer_without_running(argv)
    return answered if answered is not None else main(argv)


def _run(capture: Any, argv: list[str]) -> int:
    from .cli import ansible_cfg
    from .cli.args import parse_args
    from .display.events import PlaybookRecorder
    from .display.formatting import Formatter, colour_enabled
    from .display.protocol import DisplayChannel

    artifact_dir = os.environ.get("AWX_ISOLATED_DATA_DIR")
    events_dir = os.path.join(artifact_dir, "job_events") if artifact_dir else None
    channel = DisplayChannel(capture.protocol_fd, events_dir)
    capture.start(channel)
    try:  # before anything reads a setting: the file's values sit under the environment's
        config: ansible_cfg.FoundConfig | None = ansible_cfg.apply(os.environ, os.getcwd())
        config_error = None
    except ValueError as exc:
        config, config_error = None, str(exc)
    formatter = Formatter(colour=colour_enabled(capture.protocol_fd))

    def fatal(message: str, rc: int = RC_SCRIPT_ERROR) -> int:
        # An `error` event (not plain text): the worker knows from it that the executor
        # stopped on purpose and explained why, rather than crashing (worker._explain_early_exit).
        PlaybookRecorder(channel, formatter, playbook="").error(message)
        return rc

    if config_error is not None:
        return fatal(config_error)
    for notice in (*config.warnings, ansible_cfg.ignored_warning(config)) if config is not None else ():
        if notice:  # ansible-playbook's words before its callback is loaded: plain lines
            channel.write_raw(formatter.warning(notice) + "\n")
    from .cli.args import CommandLineError

    try:
        args = parse_args(argv)
    except CommandLineError as exc:
        return fatal(f"invalid command line: {exc}", RC_COMMAND_LINE_ERROR)
    if args.show_help or args.show_version:
        from .cli.usage import help_text, version_text

        channel.write_raw(help_text() if args.show_help else version_text())
        return 0
    from .cli.inspection import RC_OPTIONS_ERROR, refusal

    refused = refusal(args.list_tasks, args.list_tags)
    if refused:
        return fatal(refused, RC_OPTIONS_ERROR)
    formatter.verbosity = args.verbosity
    from .display.log_routing import route_logging

    route_logging(channel, formatter)
    adhoc = args.module_name is not None
    script = "__adhoc_playbook__" if adhoc else (args.script or os.environ.get("FTL2_SCRIPT") or DEFAULT_SCRIPT)
    from ..data.vault import VaultError, decrypt_tree, job_secrets
    from .cli.extravars import ExtraVarsError, load_extra_vars_with_notices
    from .cli.inventory_path import resolve_inventory_path

    try:
        # As ansible-playbook: the vault prompts first (ansible-runner answers them from `passwords`).
        secrets = job_secrets(args.ask_vault_pass, args.vault_ids, args.vault_password_files)
        loaded_vars = load_extra_vars_with_notices(args.extra_vars)
        extravars = decrypt_tree(loaded_vars.values, secrets, "")
    except (ExtraVarsError, VaultError) as exc:
        return fatal(str(exc))
    if loaded_vars.notices:
        from .display.load_notices import render_notices
        from .vars.booleans import ansible_bool

        deprecations = ansible_bool(os.environ.get("ANSIBLE_DEPRECATION_WARNINGS", "true"))
        channel.write_raw(render_notices(loaded_vars.notices, formatter, deprecations))
    inventory_path, inventory_warnings = resolve_inventory_path(args.inventories)
    from ..inventory import Inventory, InventoryError, load

    inventory_model = Inventory().finish()
    if inventory_path:
        try:
            inventory_model = load(inventory_path)
        except InventoryError as exc:
            inventory_warnings.append(f"Unable to parse {inventory_path} as an inventory source: {exc}")
    try:
        _decrypt_inventory(inventory_model, secrets)
    except VaultError as exc:
        return fatal(str(exc))
    selected_hosts = inventory_model.hosts
    if args.limit:
        selected_hosts = [h for h in inventory_model.match(args.limit) if h in selected_hosts]
        if not selected_hosts:
            # ansible-playbook's words, before its callback is loaded: a plain line, then the error.
            channel.write_raw(formatter.warning(_unmatched_limit(args.limit)) + "\n")
            return fatal("Specified inventory, host pattern and/or --limit leaves us with no hosts to target.")
    if adhoc and args.list_hosts:
        from .cli.inspection import adhoc_list_hosts_report

        pattern_hosts = [h for h in inventory_model.match(args.host_pattern or "all") if h in selected_hosts]
        channel.write_raw(adhoc_list_hosts_report(pattern_hosts))
        return 0

    script_path, default_hosts = os.path.abspath(script), None
    job_extravars, launcher_vars = dict(extravars), {}
    if args.module_name is not None:  # ad hoc
        from .cli.adhoc import run_adhoc

        module_name = args.module_name

        def run_function(inventory_path: Any, extravars: Any, runner: Any) -> Any:
            return run_adhoc(runner, module_name, args.module_args, args.host_pattern or "all")
    else:
        from .cli.script_loader import ScriptError, load_script
        from .display.diagnostics import script_traceback

        try:
            loaded = load_script(script)
        except ScriptError as exc:
            return fatal(str(exc), exc.rc)
        except BaseException as exc:
            return fatal(f"the FTL2 script {script} failed to load:\n{script_traceback(exc, script, args.verbosity)}")
        run_function, script_path, default_hosts = loaded.run, loaded.path, loaded.hosts
        try:
            launcher_vars = decrypt_tree(loaded.default_vars, secrets, "")  # the variable plane has them as play vars
        except VaultError as exc:
            return fatal(str(exc))
        extravars = {**launcher_vars, **extravars}  # a launcher's vars sit below the extra vars
        if args.syntax_check or args.list_hosts:
            from .cli.inspection import list_hosts_report, syntax_check_report

            if args.syntax_check:  # with both, ansible-playbook only checks the syntax
                channel.write_raw(syntax_check_report(script))
            else:
                channel.write_raw(list_hosts_report(script, "all", selected_hosts))
            return 0  # the script was loaded, not run: no host was touched

    from ..script import TaskFailed
    from .api.script_api import JobSettings, ScriptRunner

    recorder = PlaybookRecorder(channel, formatter, playbook=script, check_mode=args.check)
    recorder.adhoc = adhoc
    settings = JobSettings(
        inventory_path=inventory_path,
        extravars=extravars,
        check_mode=args.check,
        diff=args.diff,
        verbosity=args.verbosity,
        limit=args.limit,
        forks=args.forks or _config_forks(),
        tags=args.tags,
        skip_tags=args.skip_tags,
        start_at_task=args.start_at_task,
        host_defaults=_host_defaults(args, os.environ),
        config_file=config.path if config is not None else None,
        playbook_path=os.path.abspath(script),
        inventory_sources=[os.path.abspath(source) for source in args.inventories],
        launcher_vars=launcher_vars,
        job_extravars=job_extravars,
        vault_secrets=secrets,
    )
    from pathlib import Path

    from ..inventory import load_vars_dir

    try:  # group_vars/ and host_vars/ beside the launched playbook, as ansible-playbook reads them
        project_vars = load_vars_dir(Path(os.path.dirname(os.path.abspath(script))))
        _decrypt_vars_dir(project_vars, secrets)
    except (InventoryError, VaultError) as exc:
        return fatal(str(exc))
    runner = ScriptRunner(
        recorder,
        settings,
        script_path=script_path,
        inventory=inventory_model,
        hosts=selected_hosts,
        default_hosts=default_hosts,
        project_vars=project_vars,
    )
    if args.module_name is not None:  # ad hoc
        from .cli.adhoc import origin_repr

        runner.set_adhoc_origin(f"<adhoc '{args.module_name}' task>", origin_repr(args.module_name, args.module_args))
    from .actions.facts import prepare_fact_cache

    prepare_fact_cache()
    recorder.playbook_start()
    for message in inventory_warnings:
        recorder.warning(message)
    for flag in args.unsupported:
        recorder.warning(f"ftl2-runner does not support {flag!r} for FTL2 scripts; it was ignored")
    if args.become_method and args.become_method != "sudo":
        recorder.warning(f"--become-method {args.become_method} is not supported by FTL2; sudo is used")

    script_rc: int | None = None
    try:
        returned = asyncio.run(run_function(inventory_path, extravars, runner))
        script_rc = _exit_code_from_return(returned, recorder)
    except TaskFailed:
        script_rc = None  # already reported as task events; rc comes from the stats
    except SystemExit as exc:
        script_rc = _exit_code_from_system_exit(exc)
        if script_rc != 0:
            reason = f": {exc.code}" if not isinstance(exc.code, int) else ""
            recorder.error(f"the FTL2 script exited with status {script_rc}{reason}")
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            recorder.error("the FTL2 script was interrupted")
        else:
            from .display.diagnostics import script_traceback

            trace = script_traceback(exc, script_path, args.verbosity)
            recorder.error(f"the FTL2 script raised an exception:\n{trace}")
        script_rc = RC_SCRIPT_ERROR
    recorder.playbook_stats()
    stats_rc = recorder.exit_code()
    if script_rc is None or script_rc == 0:
        return stats_rc
    return script_rc


def _decrypt_inventory(inventory: Any, secrets: Any) -> None:
    """The inventory's ``!vault`` values decrypted in place (a project's ``group_vars`` may hold them)."""
    from ..data.vault import decrypt_tree

    for name, group in inventory.groups.items():
        for key, value in group.vars.items():
            group.vars[key] = decrypt_tree(value, secrets, f"{key} (variable of group {name})")
    for host, variables in inventory.host_vars.items():
        for key, value in variables.items():
            variables[key] = decrypt_tree(value, secrets, f"{key} (variable of host {host})")
    _decrypt_vars_dir(inventory.adjacent, secrets)


def _decrypt_vars_dir(vars_dir: Any, secrets: Any) -> None:
    """The ``!vault`` values of a directory's ``group_vars/`` and ``host_vars/`` decrypted in place."""
    from ..data.vault import decrypt_tree

    for kind, entries in (("group", vars_dir.groups), ("host", vars_dir.hosts)):
        for name, variables in entries.items():
            for key, value in variables.items():
                variables[key] = decrypt_tree(value, secrets, f"{key} (variable of {kind} {name})")


def _unmatched_limit(limit: str) -> str:
    """ansible-core's warning for each ``--limit`` pattern that matches no host."""
    return f"Could not match supplied host pattern, ignoring: {limit}"


def _host_defaults(args: Any, environ: Mapping[str, str]) -> dict[str, Any]:
    """Connection settings of the command line, else of ``ANSIBLE_*`` (or ``ansible.cfg``, applied under
    them: cli/ansible_cfg.py); a host's inventory variables override them, as in Ansible."""
    from .vars.booleans import ansible_bool

    defaults: dict[str, Any] = {}
    user = args.user or environ.get("ANSIBLE_REMOTE_USER")
    if user:
        defaults["ansible_user"] = user
    if args.become or ansible_bool(environ.get("ANSIBLE_BECOME")):
        defaults["ansible_become"] = True
    become_user = args.become_user or environ.get("ANSIBLE_BECOME_USER")
    if become_user:
        defaults["ansible_become_user"] = become_user
    key_file = environ.get("ANSIBLE_PRIVATE_KEY_FILE")
    if key_file:
        defaults["ansible_private_key_file"] = key_file
    port = environ.get("ANSIBLE_REMOTE_PORT")
    if port and port.strip().isdigit():
        defaults["ansible_port"] = int(port)
    interpreter = environ.get("ANSIBLE_PYTHON_INTERPRETER")
    if interpreter and not interpreter.startswith("auto"):
        defaults["ansible_python_interpreter"] = interpreter
    return defaults


def _config_forks() -> int | None:
    """``ANSIBLE_FORKS`` (or ``forks`` of ``ansible.cfg``) when the command line has no ``--forks``."""
    value = os.environ.get("ANSIBLE_FORKS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def _exit_code_from_return(value: Any, recorder: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        recorder.error(f"run() must return an int exit code, not {type(value).__name__}")
        return RC_SCRIPT_ERROR
    if value != 0:
        recorder.error(f"run() returned {value}")  # else the job fails with an all-green recap and no word
    return value


def _exit_code_from_system_exit(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return RC_SCRIPT_ERROR


def exit_without_teardown(rc: object) -> None:
    """Leave as ``sys.exit(rc)`` would, without tearing down every module FTL2 loaded.

    The job is over and its output is written (``main`` flushed the capture); what is left
    of a normal exit is the interpreter's finalisation, which with FTL2, asyncssh and
    their imports loaded took about 0.1 s at the end of every job (see ``quick_exit``).
    """
    from ..processes.quick_exit import exit_without_teardown as leave

    leave(rc)


if __name__ == "__main__":
    exit_without_teardown(main())
