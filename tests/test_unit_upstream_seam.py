"""Canary: upstream's internals still have the shape ftl2-runner rebinds, overrides or calls.

ftl2_runner/processes/upstream.py rebinds module-level names of ansible-runner for the duration of a
job, ftl2_runner/processes/runner_spawn.py overrides private pexpect/ptyprocess methods, and
ftl2_runner/processes/config.py and ftl2_runner/worker.py subclass upstream's classes and use their attributes
(docs/design.md, "The seam to upstream", lists every name). The version pins in
pyproject.toml cover the releases these were checked against; this test is what fails
first, with one line to act on, when an upgrade moves one of them. It reads upstream's
code objects and source: nothing is run.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable
from typing import Any

import ansible_runner.config.runner as config_runner
import ansible_runner.interface as interface
import ansible_runner.runner as runner
import ansible_runner.streaming as streaming
import ansible_runner.utils.streaming as streaming_utils
import pexpect
import pexpect.expect
import pexpect.spawnbase
import ptyprocess
import pytest

REVIEW = "upstream changed: review ftl2_runner/processes/upstream.py (and docs/design.md's seam table): "


def names_used(function: Callable[..., Any]) -> set[str]:
    """Global and attribute names a function's code (nested functions included) refers to."""
    code = getattr(function, "__code__", function)
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= names_used(const)
    return found


def seam(condition: object, what: str) -> None:
    if not condition:
        pytest.fail(REVIEW + what, pytrace=False)


def parameters(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_interface_builds_runner_config_by_module_name():
    seam(interface.RunnerConfig is config_runner.RunnerConfig, "ansible_runner.interface.RunnerConfig is not RunnerConfig")
    used = names_used(interface.init_runner)
    seam(
        {"RunnerConfig", "signal_handler", "dump_artifacts"} <= used,
        "interface.init_runner no longer calls RunnerConfig / signal_handler / dump_artifacts by module name",
    )
    seam(callable(interface.signal_handler) and callable(interface.run), "interface.signal_handler or interface.run is gone")


def test_worker_run_reaches_interface_run_and_unstream_dir_by_module_name():
    used = names_used(streaming.Worker.run)
    seam(
        {"unstream_dir", "interface", "run"} <= used,
        "streaming.Worker.run no longer calls unstream_dir and ansible_runner.interface.run by module attribute",
    )
    seam(streaming.unstream_dir is streaming_utils.unstream_dir, "streaming.unstream_dir is not utils.streaming.unstream_dir")
    seam(
        parameters(streaming.unstream_dir) == ["stream", "length", "target_directory"],
        f"unstream_dir's parameters are {parameters(streaming.unstream_dir)}",
    )
    seam(
        {"status_handler", "finished_callback", "event_handler", "artifacts_handler", "_input", "_end_keepalive"} <= used,
        "streaming.Worker.run no longer uses the handlers Ftl2Worker overrides",
    )


def test_worker_class_shape():
    seam(
        parameters(streaming.Worker.__init__)[:4] == ["self", "_input", "_output", "keepalive_seconds"],
        f"Worker.__init__'s parameters are {parameters(streaming.Worker.__init__)}",
    )
    init = inspect.getsource(streaming.Worker.__init__)
    for attribute in ("self._input", "self._output", "self._output_lock", "self._output_event"):
        seam(attribute + " =" in init, f"Worker.__init__ no longer sets {attribute}")
    for method, wanted in (
        ("finished_callback", ["self", "runner_obj"]),
        ("status_handler", ["self", "status_data", "runner_config"]),
        ("event_handler", ["self", "event_data"]),
        ("artifacts_handler", ["self", "artifact_dir"]),
    ):
        seam(parameters(getattr(streaming.Worker, method)) == wanted, f"Worker.{method}'s parameters changed")
    seam(parameters(streaming_utils.stream_dir)[:2] == ["source_directory", "stream"], "utils.streaming.stream_dir's parameters changed")


def test_stream_dir_makes_its_temporary_zip_through_its_modules_tempfile():
    seam(streaming_utils.tempfile.__name__ == "tempfile", "ansible_runner.utils.streaming.tempfile is not the tempfile module")
    seam(
        {"tempfile", "NamedTemporaryFile"} <= names_used(streaming_utils.stream_dir),
        "utils.streaming.stream_dir no longer calls tempfile.NamedTemporaryFile",
    )


def test_runner_spawns_through_its_modules_pexpect():
    seam(runner.pexpect is pexpect, "ansible_runner.runner.pexpect is not the pexpect module")
    used = names_used(runner.Runner.run)
    seam(
        {"pexpect", "spawn", "expect", "logfile_read", "pexpect_timeout", "isalive", "close"} <= used,
        "Runner.run no longer drives pexpect.spawn through expect + logfile_read",
    )


def test_runner_config_methods_and_attributes_that_config_py_uses():
    rc = config_runner.RunnerConfig
    for method in ("prepare_env", "generate_ansible_command"):
        seam(callable(getattr(rc, method, None)), f"RunnerConfig.{method} is gone")
    seam(config_runner.ExecutionMode.RAW, "ExecutionMode.RAW is gone")
    source = inspect.getsource(rc) + inspect.getsource(rc.__mro__[1])
    for attribute in (
        "binary",
        "module",
        "module_args",
        "host_pattern",
        "playbook",
        "project_dir",
        "artifact_dir",
        "fact_cache",
        "settings",
        "pexpect_timeout",
        "execution_mode",
        "env",
    ):
        seam(f"self.{attribute} =" in source, f"RunnerConfig no longer sets self.{attribute}")
    seam(
        "self.binary" in inspect.getsource(rc.generate_ansible_command),
        "RunnerConfig.generate_ansible_command no longer reads self.binary (config.py swaps it)",
    )


def test_pexpect_spawn_private_methods_that_runner_spawn_overrides():
    spawn = pexpect.spawn
    seam(
        parameters(spawn._spawn) == ["self", "command", "args", "preexec_fn", "dimensions"],
        f"pexpect.spawn._spawn's parameters are {parameters(spawn._spawn)}",
    )
    seam(parameters(spawn._spawnpty) == ["self", "args", "kwargs"], "pexpect.spawn._spawnpty's parameters changed")
    spawn_source = inspect.getsource(spawn._spawn)
    seam(
        re.search(r"self\._spawnpty\(self\.args, env=self\.env,\s*cwd=self\.cwd, \*\*kwargs\)", spawn_source),
        "pexpect.spawn._spawn no longer calls self._spawnpty(args, env=, cwd=, **kwargs)",
    )
    seam("ptyprocess.PtyProcess.spawn" in inspect.getsource(spawn._spawnpty), "spawn._spawnpty no longer uses PtyProcess.spawn")
    seam("self.ptyproc = self._spawnpty" in spawn_source, "spawn no longer keeps its PtyProcess in self.ptyproc")
    seam("self.ignore_sighup = " in inspect.getsource(spawn.__init__), "spawn no longer sets self.ignore_sighup")
    for name in ("expect_list", "read_nonblocking", "close", "isalive"):
        seam(hasattr(spawn, name), f"pexpect.spawn.{name} is gone")
    base_init = inspect.getsource(pexpect.spawnbase.SpawnBase.__init__)
    for attribute in ("self.buffer_type = ", "self.string_type = ", "self._before = ", "self.before = "):
        seam(attribute in base_init, f"pexpect's SpawnBase no longer sets {attribute.strip(' =')}")
    seam(parameters(spawn.read_nonblocking) == ["self", "size", "timeout"], "spawn.read_nonblocking's parameters changed")
    seam(parameters(spawn.close) == ["self", "force"], "spawn.close's parameters changed")


def test_pexpect_uses_only_what_the_bounded_before_buffer_has():
    from ftl2_runner.processes.runner_spawn import _TailOnly

    expect_source = inspect.getsource(pexpect.expect)
    used = set(re.findall(r"\._before\.(\w+)", expect_source))
    seam(
        used and used <= {name for name in vars(_TailOnly) if not name.startswith("_")},
        f"pexpect.expect uses _before.{sorted(used)}; runner_spawn._TailOnly has only some of them",
    )
    seam("spawn._before = spawn.buffer_type()" in expect_source, "pexpect.expect no longer assigns a fresh _before")


def test_ptyprocess_naps_delayafterclose_in_close():
    seam("self.delayafterclose = " in inspect.getsource(ptyprocess.PtyProcess.__init__), "PtyProcess no longer sets delayafterclose")
    seam(
        "time.sleep(self.delayafterclose)" in inspect.getsource(ptyprocess.PtyProcess.close),
        "PtyProcess.close no longer sleeps delayafterclose",
    )


def test_upstream_cli_builds_its_parser_by_module_name():
    import ansible_runner.__main__ as upstream_cli

    seam(isinstance(upstream_cli.AnsibleRunnerArgumentParser, type), "ansible_runner.__main__.AnsibleRunnerArgumentParser is gone")
    seam(
        "AnsibleRunnerArgumentParser" in names_used(upstream_cli.main),
        "ansible_runner.__main__.main no longer builds AnsibleRunnerArgumentParser by module name (cli.upstream_main)",
    )
    seam(
        "prog='ansible-runner'" in inspect.getsource(upstream_cli.main) or 'prog="ansible-runner"' in inspect.getsource(upstream_cli.main),
        "ansible_runner.__main__.main no longer passes prog='ansible-runner'",
    )


def test_other_upstream_names_we_import():
    from ansible_runner import cleanup, output
    from ansible_runner.utils import OutputEventFilter, register_for_cleanup
    from ansible_runner.utils.base64io import Base64IO
    from ansible_runner.utils.capacity import ensure_uuid, get_cpu_count, get_mem_in_bytes

    seam(isinstance(OutputEventFilter.EVENT_DATA_RE, re.Pattern), "OutputEventFilter.EVENT_DATA_RE is gone")
    for name, value in (
        ("register_for_cleanup", register_for_cleanup),
        ("Base64IO", Base64IO),
        ("ensure_uuid", ensure_uuid),
        ("get_cpu_count", get_cpu_count),
        ("get_mem_in_bytes", get_mem_in_bytes),
        ("cleanup.add_cleanup_args", cleanup.add_cleanup_args),
        ("cleanup.run_cleanup", cleanup.run_cleanup),
        ("output.configure", output.configure),
        ("output.set_debug", output.set_debug),
        ("output.set_logfile", output.set_logfile),
    ):
        seam(callable(value), f"ansible_runner.utils...{name} is not callable")


def test_the_seam_restores_every_name_it_binds():
    from ftl2_runner.processes.cancel import CancelWatch
    from ftl2_runner.processes.upstream import streamed_worker_job

    bound = (
        (interface, "RunnerConfig"),
        (interface, "run"),
        (interface, "signal_handler"),
        (runner, "pexpect"),
        (streaming, "unstream_dir"),
        (streaming_utils, "tempfile"),
    )
    before = [getattr(module, name) for module, name in bound]
    import tempfile

    with tempfile.TemporaryDirectory() as data_dir, streamed_worker_job(CancelWatch(), data_dir):
        during = [getattr(module, name) for module, name in bound]
    after = [getattr(module, name) for module, name in bound]
    assert after == before
    changed = [f"{module.__name__}.{name}" for (module, name), old, new in zip(bound, before, during, strict=True) if old is not new]
    assert changed == [
        "ansible_runner.interface.RunnerConfig",
        "ansible_runner.interface.run",
        "ansible_runner.runner.pexpect",
        "ansible_runner.streaming.unstream_dir",
        "ansible_runner.utils.streaming.tempfile",
    ]


def test_a_job_holds_the_seam_so_concurrent_jobs_in_one_process_run_one_after_the_other():
    import threading

    from ftl2_runner.processes import upstream

    results: list[bool] = []

    def try_to_enter() -> None:
        acquired = upstream._lock.acquire(blocking=False)
        results.append(acquired)
        if acquired:
            upstream._lock.release()

    with upstream.ftl2_jobs():
        other = threading.Thread(target=try_to_enter)
        other.start()
        other.join()
    try_to_enter()
    assert results == [False, True]  # another thread's job waits for this one; after it, the seam is free
