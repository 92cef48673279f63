"""The one seam where ftl2-runner plugs into upstream ansible-runner: upstream's own code, given our classes.

Upstream's ``Worker.run`` reads the transmit stream and calls ``ansible_runner.interface.run``,
whose ``init_runner`` builds a ``RunnerConfig`` and a ``Runner``; ``Runner.run`` spawns the job
with ``pexpect.spawn``. Everything on that path is what we reuse byte for byte: stdin parsing,
keepalives, ``dump_artifacts``, cancel and timeouts, Runner's expect loop, the event filter,
status lines and the artifacts zip. We need a few things different — the config class
(``Ftl2RunnerConfig``), the pexpect child (``RunnerSpawn``), a check in front of the zip
extraction, the kwargs checked before the job starts, and upstream's temporary zips kept in the
data dir — and upstream takes none of them as a parameter: each is a module-level name that the
function looks up when it runs.

So we call upstream's function with those names resolved to ours (``with_names``): a copy of
the function object over a copy of its module's namespace, running upstream's bytecode
unchanged. ansible-runner's modules are never changed, so nothing is restored, no lock is
held, FTL2 jobs in threads of one process run side by side, and an ``ansible_runner.run()``
called at the same moment, in any thread, is stock ansible-runner. Where upstream does take
what we need as a parameter, we pass it: the cancel callback (``init_runner``'s
``cancel_callback``), our Worker's handlers, the spool file ``stream_dir`` writes into.

Every name used here is listed in docs/design.md ("The seam to upstream") and checked by
tests/test_unit_upstream_seam.py; ``with_names`` also refuses, at run time, a name that
upstream's function no longer refers to, so an upgrade that moves one cannot silently run
stock ansible-runner's program, or an unchecked extraction, in place of ours.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import tempfile
import types
from collections.abc import Callable, Mapping
from typing import Any, cast

REVIEW = "upstream changed: review ftl2_runner/processes/upstream.py (and docs/design.md's seam table): "


class UpstreamChanged(RuntimeError):
    """Upstream no longer calls a name the seam passes in: running on would run upstream's own."""


def with_names[F: Callable[..., Any]](function: F, **names: object) -> F:
    """``function`` as upstream wrote it, with the module-level ``names`` it looks up resolved to ours.

    Python resolves a function's global names in ``function.__globals__``, its module's dict.
    The copy returned here has the same code, defaults and closure over a copy of that dict
    with ``names`` replaced: only calls through the copy see them. Functions it calls keep their
    own modules' names (only ``function``'s own lookups, and those of functions defined inside
    it, are ours).
    """
    code = cast(types.FunctionType, function).__code__
    missing = set(names) - _global_names(code)
    if missing:
        raise UpstreamChanged(REVIEW + f"{function.__module__}.{function.__qualname__} no longer refers to {sorted(missing)}")
    upstream = cast(types.FunctionType, function)
    namespace = {**upstream.__globals__, **names}
    copy = types.FunctionType(code, namespace, upstream.__name__, upstream.__defaults__, upstream.__closure__)
    copy.__kwdefaults__ = upstream.__kwdefaults__
    copy.__qualname__ = upstream.__qualname__
    copy.__module__ = upstream.__module__
    copy.__doc__ = upstream.__doc__
    return cast(F, copy)


@functools.cache
def _global_names(code: types.CodeType) -> frozenset[str]:
    """Names a code object (and the functions defined inside it) may look up as globals."""
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found |= _global_names(const)
    return frozenset(found)


class ModuleView(types.ModuleType):
    """A module as one upstream call sees it: the real module, with a few attributes replaced.

    For the names upstream reaches through a module (``pexpect.spawn``,
    ``ansible_runner.interface.run``, ``tempfile.NamedTemporaryFile``): everything else is the
    real module's, looked up when used.
    """

    def __init__(self, module: types.ModuleType, **replaced: object):
        super().__init__(module.__name__, module.__doc__)
        self.__dict__.update(replaced)
        self._module = module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


# --- upstream's interface.run / init_runner / Runner.run, for FTL2 jobs -------------------


def run_job(kwargs: Mapping[str, Any], *, job_processes: Any = None, worker_class: type | None = None) -> Any:
    """What ``ansible_runner.interface.run(**kwargs)`` does, for an FTL2 job.

    Upstream's ``init_runner`` (logging, ``dump_artifacts``, handlers, the cancel callback,
    process isolation, the streamers) builds ``Ftl2RunnerConfig`` in place of ``RunnerConfig``
    and, for ``streamer='worker'``, ``worker_class``; upstream's ``Runner.run`` then spawns the
    job with ``RunnerSpawn`` (which records the processes it starts in ``job_processes``, a
    ``process_tree.JobProcesses``). Returns upstream's own ``Runner`` (or streamer) object.
    """
    import ansible_runner.interface as interface
    from ansible_runner.runner import Runner

    from .config import Ftl2RunnerConfig

    names: dict[str, object] = {"RunnerConfig": Ftl2RunnerConfig}
    if worker_class is not None:
        names["Worker"] = worker_class
    job = with_names(interface.init_runner, **names)(**kwargs)
    if isinstance(job, Runner):
        run_runner(job, job_processes)
    else:
        job.run()  # a streamer (transmit, worker, process): its own run
    return job


def run_runner(runner: Any, job_processes: Any = None) -> tuple[str, int | None]:
    """Upstream's ``Runner.run``, spawning the job's command with ``RunnerSpawn``."""
    import ansible_runner.runner as upstream_runner
    import pexpect

    from .runner_spawn import RunnerSpawn

    spawn = functools.partial(RunnerSpawn, job_processes=job_processes)
    result: tuple[str, int | None] = with_names(upstream_runner.Runner.run, pexpect=ModuleView(pexpect, spawn=spawn))(runner)
    return result


def run_worker_stream(worker: Any, *, unstream_dir: Callable[[Any, int, str], None], run: Callable[..., Any]) -> tuple[str, int | None]:
    """Upstream's ``Worker.run`` (keepalives, the read loop, the kwargs it builds, its error statuses),
    extracting the data dir with ``unstream_dir`` and starting the job with ``run`` in place of
    ``ansible_runner.interface.run``."""
    import ansible_runner
    import ansible_runner.interface as interface
    from ansible_runner.streaming import Worker

    package = ModuleView(ansible_runner, interface=ModuleView(interface, run=run))
    result: tuple[str, int | None] = with_names(Worker.run, unstream_dir=unstream_dir, ansible_runner=package)(worker)
    return result


class MissingIsolationExecutable(ValueError):
    """``process_isolation`` names an executable that is not there (upstream's own check)."""


def check_isolation_executable(kwargs: Mapping[str, Any]) -> None:
    """Upstream's ``init_runner`` answers a missing ``process_isolation_executable`` with a ``print``
    on stdout and ``sys.exit(1)``: a text line as the worker's whole result stream, without status
    or eof. The same check, made first, ends the job with an ``error`` status saying the same."""
    if not kwargs.get("process_isolation"):
        return
    from ansible_runner.utils import check_isolation_executable_installed

    executable = kwargs.get("process_isolation_executable", "podman")
    if not check_isolation_executable_installed(executable):
        raise MissingIsolationExecutable(f"Unable to find process isolation executable: {executable}")


# --- upstream's temporary zips, kept in the data dir ---------------------------------------

SPOOL_PREFIX = ".ftl2-runner-spool-"


class Spool:
    """A private directory in the job's data dir for the temporary files upstream's zips go through.

    Upstream's ``unstream_dir`` decodes the job's zip (``env/ssh_key`` and all) to a
    ``tempfile.NamedTemporaryFile``, and ``stream_dir`` builds the artifacts zip in another;
    ``Ftl2Worker.artifacts_handler`` may abandon the latter after a cancel. In ``$TMPDIR`` either
    outlived a worker killed by SIGKILL, outside the data dir. Here both functions are called with
    a ``tempfile`` whose ``NamedTemporaryFile`` creates the file in this directory, which is removed
    when the job ends (with the data dir by ``--delete``, and at the next job in a reused data dir).
    """

    def __init__(self, private_data_dir: str):
        os.makedirs(private_data_dir, mode=0o700, exist_ok=True)
        for stale in glob.glob(os.path.join(glob.escape(private_data_dir), SPOOL_PREFIX + "*")):
            shutil.rmtree(stale, ignore_errors=True)  # left by a worker that was killed
        self.directory = tempfile.mkdtemp(prefix=SPOOL_PREFIX, dir=private_data_dir)
        self._tempfile = ModuleView(tempfile, NamedTemporaryFile=self._named_temporary_file)

    def _named_temporary_file(self, *args: Any, **kwargs: Any) -> Any:
        return tempfile.NamedTemporaryFile(*args, **{"dir": self.directory, **kwargs})

    def unstream_dir(self, stream: Any, length: int, target_directory: str) -> None:
        """Upstream's ``unstream_dir``, its decoded zip in the spool."""
        from ansible_runner.utils import streaming

        with_names(streaming.unstream_dir, tempfile=self._tempfile)(stream, length, target_directory)

    def stream_dir(self, source_directory: str, stream: Any) -> None:
        """Upstream's ``stream_dir``, its zip built in the spool."""
        from ansible_runner.utils import streaming

        with_names(streaming.stream_dir, tempfile=self._tempfile)(source_directory, stream)

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
