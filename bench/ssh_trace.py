"""Where a remote job's seconds go, traced from inside the process that runs FTL2 (bench only).

``bench.remote`` copies this file as ``sitecustomize.py`` into a directory it puts on
``PYTHONPATH`` when it traces a run, with ``FTL2_BENCH_TRACE`` naming a JSON-lines file. In
every Python process of that run that later imports asyncssh or FTL2, the calls that cost SSH
round trips are wrapped (nothing is changed in FTL2's files): connection set-up
(``asyncssh.connect``), every command and process started on a target (one SSH channel each),
SFTP sessions and their operations, FTL2's gate steps (build/hash, send, stable-path upload,
start and handshake), gate messages by type and size, and each module call per host. Each
record carries wall-clock start and end times, so the bench can tell how much of a job is
set-up, how much is module round trips, and whether hosts were served one after the other.

Processes without ``FTL2_BENCH_TRACE`` are left alone; this file imports nothing heavy.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import json
import os
import sys
import threading
import time
from typing import Any

_PATH = os.environ.get("FTL2_BENCH_TRACE")
_LOCK = threading.Lock()
_CONNS: dict[int, int] = {}


def record(kind: str, start: float, end: float, **fields: Any) -> None:
    line = json.dumps({"kind": kind, "start": start, "end": end, "pid": os.getpid(), **fields}, default=str)
    with _LOCK, open(_PATH or os.devnull, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def _conn_id(conn: Any) -> int:
    return _CONNS.setdefault(id(conn), len(_CONNS) + 1)


def _timed_async(kind: str, describe: Any = None) -> Any:
    def wrap(function: Any) -> Any:
        @functools.wraps(function)
        async def traced(*args: Any, **kwargs: Any) -> Any:
            start = time.time()
            ok = False
            try:
                result = await function(*args, **kwargs)
                ok = True
                return result
            finally:
                extra = describe(args, kwargs) if describe else {}
                record(kind, start, time.time(), ok=ok, **extra)

        return traced

    return wrap


def _patch_asyncssh(module: Any) -> None:
    connection = sys.modules["asyncssh.connection"]
    original_connect = module.connect

    @functools.wraps(original_connect)
    async def connect(*args: Any, **kwargs: Any) -> Any:
        start = time.time()
        conn = None
        try:
            conn = await original_connect(*args, **kwargs)
            return conn
        finally:
            record("ssh_connect", start, time.time(), conn=_conn_id(conn) if conn else None, ok=conn is not None)

    module.connect = connect
    connection.connect = connect
    client = connection.SSHClientConnection

    def channel_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        command = kwargs.get("command") or (args[1] if len(args) > 1 else None)
        return {"conn": _conn_id(args[0]), "command": command, "subsystem": kwargs.get("subsystem")}

    client.run = _timed_async("ssh_run", channel_of)(client.run)
    client.create_process = _timed_async("ssh_process", channel_of)(client.create_process)
    original_sftp = client.start_sftp_client

    def start_sftp_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        record("sftp_session", time.time(), time.time(), conn=_conn_id(self))
        return original_sftp(self, *args, **kwargs)

    client.start_sftp_client = start_sftp_client
    sftp = sys.modules["asyncssh.sftp"].SFTPClient
    for name in ("put", "exists", "lstat", "stat"):
        setattr(sftp, name, _timed_async(f"sftp_{name}")(getattr(sftp, name)))


def _patch_ftl2_runners(module: Any) -> None:
    runner = module.RemoteModuleRunner

    def host_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        return {"port": kwargs.get("ssh_port", args[2] if len(args) > 2 else None)}

    runner._connect_gate = _timed_async("gate_connect", host_of)(runner._connect_gate)
    runner._check_version = _timed_async("gate_check_version")(runner._check_version)
    runner._send_gate = _timed_async("gate_send")(runner._send_gate)
    runner._update_gate_stable_path = _timed_async("gate_stable_path")(runner._update_gate_stable_path)
    runner._open_gate = _timed_async("gate_open")(runner._open_gate)


def _patch_ftl2_gate(module: Any) -> None:
    builder = module.GateBuilder
    original = builder.build

    @functools.wraps(original)
    def build(self: Any, config: Any) -> Any:
        start = time.time()
        try:
            return original(self, config)
        finally:
            record("gate_build", start, time.time())

    builder.build = build


def _patch_ftl2_message(module: Any) -> None:
    protocol = module.GateProtocol

    def message_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        data = args[3] if len(args) > 3 else kwargs.get("data")
        size = len(json.dumps(data, default=str)) if data is not None else 0
        return {"type": args[2] if len(args) > 2 else kwargs.get("msg_type"), "bytes": size}

    protocol.send_message = _timed_async("gate_message", message_of)(protocol.send_message)
    protocol.send_message_with_id = _timed_async("gate_message", message_of)(protocol.send_message_with_id)


def _patch_ftl2_context(module: Any) -> None:
    context = module.AutomationContext

    def call_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        return {"host": getattr(args[1], "name", None), "module": args[2] if len(args) > 2 else None}

    context._execute_on_host = _timed_async("module_call", call_of)(context._execute_on_host)


_PATCHES = {
    "asyncssh": _patch_asyncssh,
    "ftl2.runners": _patch_ftl2_runners,
    "ftl2.gate": _patch_ftl2_gate,
    "ftl2.message": _patch_ftl2_message,
    "ftl2.automation.context": _patch_ftl2_context,
}


class _AfterImport(importlib.abc.MetaPathFinder):
    """Patches a module right after it has been executed by its own loader."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in _PATCHES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        loader, patch = spec.loader, _PATCHES[name]
        exec_module = loader.exec_module

        def exec_and_patch(module: Any) -> None:
            exec_module(module)
            patch(module)

        loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


if _PATH:
    sys.meta_path.insert(0, _AfterImport())
