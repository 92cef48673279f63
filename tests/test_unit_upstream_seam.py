"""Canary: upstream's internals still have the shape ftl2-runner passes names into, overrides or calls.

ftl2_runner/processes/upstream.py calls upstream functions with some of their module-level names
resolved to ours (``with_names``; ansible-runner's modules are never changed),
ftl2_runner/processes/runner_spawn.py overrides private pexpect/ptyprocess methods, and
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


def test_init_runner_builds_runner_config_and_worker_by_module_name_and_takes_a_cancel_callback():
    seam(interface.RunnerConfig is config_runner.RunnerConfig, "ansible_runner.interface.RunnerConfig is not RunnerConfig")
    seam(interface.Worker is streaming.Worker, "ansible_runner.interface.Worker is not streaming.Worker")
    used = names_used(interface.init_runner)
    seam(
        {"RunnerConfig", "Runner", "Worker", "signal_handler", "dump_artifacts"} <= used,
        "interface.init_runner no longer builds RunnerConfig / Runner / Worker by module name",
    )
    source = inspect.getsource(interface.init_runner)
    seam(
        "kwargs.pop('cancel_callback', None)" in source and "cancel_callback = signal_handler()" in source,
        "interface.init_runner no longer takes a cancel_callback kwarg in place of signal_handler()",
    )
    seam(
        re.search(r"return Runner\(rc,", source) and "rc.prepare()" in source,
        "interface.init_runner no longer returns Runner(rc, ...) for a prepared RunnerConfig rc",
    )
    # upstream.run_job is interface.run: init_runner, then the object's run()
    seam(names_used(interface.run) == {"init_runner", "run"}, f"interface.run now uses {sorted(names_used(interface.run))}")


def test_worker_run_reaches_interface_run_and_unstream_dir_by_module_name():
    used = names_used(streaming.Worker.run)
    seam(
        {"unstream_dir", "ansible_runner", "interface", "run"} <= used,
        "streaming.Worker.run no longer calls unstream_dir and ansible_runner.interface.run by module attribute",
    )
    source = inspect.getsource(streaming.Worker.run)
    seam(
        "ansible_runner.interface.run(**self.kwargs)" in source
        and "unstream_dir(self._input, data['zipfile'], self.private_data_dir)" in source,
        "streaming.Worker.run no longer calls ansible_runner.interface.run(**kwargs) and unstream_dir(stream, length, dir)",
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


def test_stream_dir_and_unstream_dir_make_their_temporary_zips_through_their_modules_tempfile():
    seam(streaming_utils.tempfile.__name__ == "tempfile", "ansible_runner.utils.streaming.tempfile is not the tempfile module")
    for function in (streaming_utils.stream_dir, streaming_utils.unstream_dir):
        seam(
            {"tempfile", "NamedTemporaryFile"} <= names_used(function),
            f"utils.streaming.{function.__name__} no longer calls tempfile.NamedTemporaryFile",
        )


def test_runner_spawns_through_its_modules_pexpect():
    seam(runner.pexpect is pexpect, "ansible_runner.runner.pexpect is not the pexpect module")
    seam("pexpect.spawn(" in inspect.getsource(runner.Runner.run), "Runner.run no longer calls pexpect.spawn(...)")
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


def test_with_names_changes_no_module_and_refuses_a_name_upstream_no_longer_uses():
    """The seam's mechanism: a copy of upstream's function sees our names; the module keeps its own."""
    import tempfile

    from ftl2_runner.processes.upstream import ModuleView, UpstreamChanged, with_names

    modules = (interface, runner, streaming, streaming_utils, pexpect)
    before = [dict(vars(module)) for module in modules]
    view = ModuleView(tempfile, NamedTemporaryFile=tempfile.TemporaryFile)
    copy = with_names(streaming_utils.stream_dir, tempfile=view)
    assert copy.__code__ is streaming_utils.stream_dir.__code__
    assert copy.__globals__["tempfile"] is view and streaming_utils.tempfile is tempfile
    assert view.NamedTemporaryFile is tempfile.TemporaryFile and view.mkdtemp is tempfile.mkdtemp
    assert [dict(vars(module)) for module in modules] == before
    with pytest.raises(UpstreamChanged, match="review ftl2_runner/processes/upstream.py"):
        with_names(streaming_utils.stream_dir, pexpect=None)


def test_every_name_the_seam_passes_is_one_upstream_still_looks_up():
    """What processes/upstream.py and cli.py pass to ``with_names``, checked without running a job."""
    import ansible_runner
    import ansible_runner.__main__ as upstream_cli

    from ftl2_runner.processes.upstream import with_names

    for function, names in (
        (interface.init_runner, {"RunnerConfig": None, "Worker": None}),
        (runner.Runner.run, {"pexpect": None}),
        (streaming.Worker.run, {"unstream_dir": None, "ansible_runner": ansible_runner}),
        (streaming_utils.stream_dir, {"tempfile": None}),
        (streaming_utils.unstream_dir, {"tempfile": None}),
        (upstream_cli.main, {"AnsibleRunnerArgumentParser": None}),
    ):
        try:
            with_names(function, **names)
        except Exception as exc:
            seam(False, str(exc))
