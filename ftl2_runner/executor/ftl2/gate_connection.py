"""FTL2's gate started over one SSH channel per host, and each module call in one round trip.

FTL2 0.4.7's ``RemoteModuleRunner._connect_gate`` does this on every new connection, i.e. for
every host of every job (traced in docs/performance.md, issue 32): ``python --version``,
``mkdir -p ~/.ftl``, ``echo ~/.ftl`` (three commands, each an SSH channel and a shell on the
target), an SFTP session to see whether the gate is there, then ``mkdir``, a second SFTP
session uploading the whole gate (0.4 MB) to ``/usr/local/lib/ftl2/gate.pyz`` "for the
subsystem", ``chmod`` and ``mv``, a subsystem request that fails where no ``ftl2-gate``
subsystem is registered, and the command that starts the gate: about ten channels, two SFTP
sessions and 0.4 MB per host per job, before the first module runs. Then every call of one of
FTL2's own modules is sent by name, answered ``ModuleNotFound`` and sent again with its source
(FTL2's gate never keeps them): two round trips per call.

``install`` replaces, on one automation context only (nothing of FTL2's files changes):

* its runner's ``_connect_gate``: ``asyncssh.connect`` with FTL2's own options, retries and
  errors (AES-GCM offered first), then one command that starts the gate FTL2 would start
  (``~/.ftl/ftl_gate_<hash>.pyz``, the same hash; run from the directory it is unpacked into
  once, so that the target's Python keeps its bytecode) or says it is missing (exit 97), in
  which case one SFTP session uploads it (``~/.ftl`` made with mode 0700, a temporary name
  renamed into place, so concurrent first contacts never start half a gate) and the command runs
  again. No interpreter check of its own: an interpreter that is missing or not Python 3 fails
  the gate's handshake, whose error names it. No stable-path copy (nothing is written outside
  ``~/.ftl``). Calls with ``become``, a registered subsystem or FTL2's coverage mode keep FTL2's
  own connect.
* its runner's message protocol: an ``FTLModule`` request sent by name alone gets the module's
  source added (the gate runs it at once); an Ansible module of ours (``remote_modules.PREFIX``)
  sent by name runs forked in the gate (``forked_modules``), from the library the target keeps,
  and only when the target has no copy yet is the whole library sent, once per target.

``FTL2_RUNNER_LEAN_GATE=0`` leaves the context as FTL2 made it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import shlex
import weakref
from typing import Any

from . import forked_modules, lean_gate, remote_modules

GATE_MISSING = 97
# ``FTL2_RUNNER_LEAN_GATE_LOOP=0``: FTL2's gate answers every message (the lean start stays; A/B in bench/).
_OWN_LOOP = os.environ.get("FTL2_RUNNER_LEAN_GATE_LOOP", "1") != "0"
_SOURCES: dict[str, str | None] = {}


def _ftl_source(name: str) -> str | None:
    """FTL2's module source, base64 as its gate takes it (None: not a module FTL2 can send)."""
    if name not in _SOURCES:
        try:
            from ftl2.ftl_modules.executor import get_ftl_module_source

            _SOURCES[name] = base64.b64encode(get_ftl_module_source(name)).decode()
        except Exception:  # noqa: BLE001 - FTL2 then does what it always does
            _SOURCES[name] = None
    return _SOURCES[name]


def start_command(gate_file: str, interpreter: str, gate_hash: str = "", own_loop: bool = True) -> str:
    """One shell command: start the gate at ``~/<gate_file>`` if it is there, else exit 97.

    ``/bin/sh`` runs it whatever the user's login shell; the interpreter is split into words
    as FTL2's own command line does (``/usr/bin/env python3`` works). ``gate_hash`` is FTL2's
    hash of the gate file, which its ``Hello`` answers (the target computes it when empty);
    ``own_loop`` False runs FTL2's gate for every message (``lean_gate``).
    """
    unpacked = gate_file.replace("ftl_gate_", "ftl2_runner_gate_").removesuffix(".pyz")
    mode = "lean" if own_loop else "ftl2"
    script = (
        f'g="$HOME/{gate_file}"; test -s "$g" || exit {GATE_MISSING}; '
        f'exec {interpreter} -c {shlex.quote(lean_gate.PROGRAM)} "$HOME/{unpacked}" "$g" {shlex.quote(gate_hash)} {mode}'
    )
    return f"/bin/sh -c {shlex.quote(script)}"


class _GateFiles:
    """Built gates by configuration: FTL2 hashes its sources per call, once per job is enough."""

    def __init__(self, builder: Any):
        self.builder = builder
        self.known: dict[tuple[Any, ...], tuple[str, str]] = {}
        self.hashes: dict[str, str] = {}

    def get(self, config: Any) -> tuple[str, str]:
        key = (tuple(config.modules), tuple(map(str, config.module_dirs)), tuple(config.dependencies), config.interpreter)
        if key not in self.known:
            self.known[key] = self.builder.build(config)
        return self.known[key]

    def content_hash(self, local_gate: str) -> str:
        """FTL2's gate's own hash of its file (its ``Hello`` answers it), taken here once per job, not per host."""
        if local_gate not in self.hashes:
            try:
                with open(local_gate, "rb") as built:
                    self.hashes[local_gate] = hashlib.sha256(built.read()).hexdigest()[:16]
            except OSError:
                self.hashes[local_gate] = ""  # the target computes it
        return self.hashes[local_gate]


class OneTripProtocol:
    """FTL2's ``GateProtocol`` with module requests completed before they are sent (module docstring)."""

    def __init__(self, protocol: Any):
        self._protocol = protocol
        self.gates: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._protocol, name)

    async def send_message_with_id(self, writer: Any, msg_type: str, data: Any, msg_id: int, *, write_lock: Any = None) -> None:
        if isinstance(data, dict) and "module" not in data:
            name = str(data.get("module_name", ""))
            if msg_type == "FTLModule":
                source = _ftl_source(name)
                if source is not None:
                    data = dict(data, module=source)
            elif msg_type == "Module" and writer in self.gates and name.startswith(remote_modules.PREFIX):
                gate = self.gates[writer]
                answer = gate._pending.pop(msg_id, None)
                if answer is not None:  # FTL2 waits on ``answer``: the gate's reply goes to ``asking`` first
                    asking = gate.create_future(msg_id)
                    asyncio.get_running_loop().create_task(self._module_of_ours(gate, data, asking, answer, write_lock))
                    msg_type, data = "FTLModule", _forked_request(data)
        await self._protocol.send_message_with_id(writer, msg_type, data, msg_id, write_lock=write_lock)

    async def _send(self, gate: Any, msg_type: str, data: dict[str, Any], write_lock: Any) -> Any:
        msg_id = gate.next_msg_id()
        future = gate.create_future(msg_id)
        await self._protocol.send_message_with_id(gate.gate_process.stdin, msg_type, data, msg_id, write_lock=write_lock)
        return await future

    async def _module_of_ours(self, gate: Any, data: dict[str, Any], asking: Any, answer: Any, write_lock: Any) -> None:
        """The module's answer as the gate's ``Module`` request gives it, from whichever way ran it.

        Forked in the gate (``forked_modules``); when the target has no library yet, the whole
        library, which installs itself and runs the module; when the gate cannot fork, the
        launcher, a process of its own.
        """
        short = str(data["module_name"])[len(remote_modules.PREFIX) :]
        try:
            response = await asking
            result = _forked_result(response)
            if isinstance(result, dict) and result.get("missing") is True:
                # First contact: the same request with the library, which the runner installs (ftl2-runner's
                # gate loop keeps answering by itself; the bundle as a ``Module`` request needs FTL2's).
                response = await self._send(gate, "FTLModule", _forked_request(data, library=True), write_lock)
                result = _forked_result(response)
            if isinstance(result, dict) and result.get("missing") is True:
                response = await self._send(gate, "Module", dict(data, module=_b64(remote_modules.bundle_bytes(short))), write_lock)
            elif isinstance(result, dict):
                response = ("ModuleResult", result)
            elif response[0] in ("Error", "ModuleNotFound", "FTLModuleResult"):
                response = await self._send(gate, "Module", dict(data, module=_b64(remote_modules.launcher_bytes(short))), write_lock)
                if response[0] == "ModuleResult" and remote_modules.launcher_says_missing(response[1]):
                    response = await self._send(gate, "Module", dict(data, module=_b64(remote_modules.bundle_bytes(short))), write_lock)
        except BaseException as exc:  # noqa: BLE001 - the caller's future gets it, as FTL2's reader would give it
            if not answer.done():
                answer.set_exception(exc)
            return
        if not answer.done():
            answer.set_result(response)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _forked_request(data: dict[str, Any], library: bool = False) -> dict[str, Any]:
    """The ``FTLModule`` request that runs one of our Ansible modules forked in the gate (with the library to install)."""
    name = str(data["module_name"])
    short = name[len(remote_modules.PREFIX) :]
    arguments = {"name": short, "module_args": data.get("module_args", {}), "digest": remote_modules.library_digest()}
    if library:
        arguments["library"] = _b64(remote_modules.bundle_bytes(short))
    return {"module_name": name, "module": _RUNNER_SOURCE, "module_args": arguments}


def _forked_result(response: Any) -> Any:
    """The forked runner's answer inside the gate's ``FTLModuleResult`` (None for any other answer)."""
    if response[0] == "FTLModuleResult" and isinstance(response[1], dict):
        return response[1].get("result")
    return None


_RUNNER_SOURCE = _b64(forked_modules.RUNNER.encode())


def install(context: Any) -> bool:
    """Make an entered ``ftl2.automation()`` context connect and call as the module docstring says.

    False (and nothing changed) when FTL2's runner is not the shape this was written against.
    """
    runner = getattr(context, "_remote_runner", None)
    needed = ("_connect_gate", "_keepalive_loop", "protocol", "gate_builder", "policy_wire")
    if runner is None or not all(hasattr(runner, name) for name in needed):
        return False
    try:
        from ftl2.runners import Gate, _gate_reader_loop  # noqa: F401 - both are used by the connect below
    except ImportError:
        return False
    if isinstance(runner.protocol, OneTripProtocol):
        return True
    runner.protocol = OneTripProtocol(runner.protocol)
    ftl2_connect = runner._connect_gate
    files: list[_GateFiles] = []

    async def connect_gate(
        ssh_host: str,
        ssh_port: int,
        ssh_user: str,
        ssh_password: str | None,
        ssh_key_file: str | None,
        interpreter: str,
        context: Any,
        max_retries: int = 3,
        register_subsystem: bool = False,
        become: Any = None,
        event_callback: Any = None,
        host_name: str = "localhost",
        cache_key: str = "",
        disable_host_key_checking: bool = False,
    ) -> Any:
        from ftl2.coverage import is_coverage_enabled

        if register_subsystem or (become is not None and become.effective) or is_coverage_enabled() or runner.gate_builder is None:
            gate = await ftl2_connect(
                ssh_host,
                ssh_port,
                ssh_user,
                ssh_password,
                ssh_key_file,
                interpreter,
                context,
                max_retries=max_retries,
                register_subsystem=register_subsystem,
                become=become,
                event_callback=event_callback,
                host_name=host_name,
                cache_key=cache_key,
                disable_host_key_checking=disable_host_key_checking,
            )
            if getattr(gate, "multiplexed", False):
                runner.protocol.gates[gate.gate_process.stdin] = gate  # our modules run forked there too
            return gate
        if not files or files[0].builder is not runner.gate_builder:
            files[:] = [_GateFiles(runner.gate_builder)]
        target = _Target(ssh_host, ssh_port, ssh_user, ssh_password, ssh_key_file, disable_host_key_checking)
        return await _connect(runner, files[0], target, interpreter, context, max_retries, event_callback, host_name, cache_key)

    runner._connect_gate = connect_gate
    return True


# asyncssh's own order, AES-GCM first: its ChaCha20-Poly1305 builds two cipher contexts in Python per
# packet (29 µs for a 6 KB packet here, 6 µs with AES-GCM); OpenSSH's sshd takes the client's order.
_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr")


class _Target:
    def __init__(self, host: str, port: int, user: str, password: str | None, key_file: str | None, no_host_keys: bool):
        self.host, self.port, self.user, self.password, self.key_file, self.no_host_keys = (
            host,
            port,
            user,
            password,
            key_file,
            no_host_keys,
        )

    def connect_options(self) -> dict[str, Any]:
        """What FTL2 0.4.7 passes to ``asyncssh.connect`` for this host (and a cipher order)."""
        options: dict[str, Any] = {
            "encryption_algs": _CIPHERS,
            "host": self.host,
            "port": self.port,
            "username": self.user,
            "known_hosts": None if self.no_host_keys else (),
            "connect_timeout": 30,
            "keepalive_interval": 30,
        }
        if self.password:
            options["password"] = self.password
        elif self.key_file:
            options["client_keys"] = [os.path.expanduser(self.key_file)]
        return options

    @property
    def auth_method(self) -> str:
        return "SSH key" if self.key_file else ("password" if self.password else "default keys")


async def _connect(
    runner: Any,
    files: _GateFiles,
    target: _Target,
    interpreter: str,
    context: Any,
    max_retries: int,
    event_callback: Any,
    host_name: str,
    cache_key: str,
) -> Any:
    """Connect, start the gate (uploading it first if the target has none), handshake: FTL2's retries and errors."""
    import asyncssh
    from ftl2.exceptions import AuthenticationError, ErrorTypes, FTL2ConnectionError
    from ftl2.gate import GateBuildConfig
    from ftl2.runners import Gate, _gate_reader_loop

    execution = context.execution_config
    config = GateBuildConfig(
        modules=execution.modules, module_dirs=execution.module_dirs, dependencies=list(execution.dependencies), interpreter=interpreter
    )
    local_gate, gate_hash = files.get(config)
    gate_file = f".ftl/ftl_gate_{gate_hash}.pyz"
    for attempt in range(1, max_retries + 1):
        try:
            conn = await asyncssh.connect(**target.connect_options())
            try:
                command = start_command(gate_file, interpreter, files.content_hash(local_gate), own_loop=_OWN_LOOP)
                process, multiplexed = await _start_gate(runner, conn, command, gate_file, local_gate, host_name)
            except BaseException:
                conn.close()
                raise
            gate = Gate(conn, process, "~/.ftl", interpreter, multiplexed=multiplexed)
            if multiplexed:
                runner.protocol.gates[process.stdin] = gate
                gate._reader_task = asyncio.create_task(_gate_reader_loop(gate, runner.protocol, event_callback))
                gate._keepalive_task = asyncio.create_task(runner._keepalive_loop(gate, cache_key))
            return gate
        except asyncssh.misc.PermissionDenied as exc:
            raise AuthenticationError(
                message=f"SSH authentication failed using {target.auth_method}",
                host=target.host,
                host_address=target.host,
                port=target.port,
                user=target.user,
                key_file=target.key_file or "",
            ) from exc
        except (ConnectionRefusedError, ConnectionResetError, asyncssh.misc.ConnectionLost, TimeoutError, OSError) as exc:
            if attempt < max_retries:
                await asyncio.sleep(2 ** (attempt - 1))  # FTL2's back-off: 1 s, 2 s
                continue
            if isinstance(exc, ConnectionRefusedError):
                kind = ErrorTypes.CONNECTION_REFUSED
            elif isinstance(exc, TimeoutError):
                kind = ErrorTypes.CONNECTION_TIMEOUT
            else:
                kind = ErrorTypes.HOST_UNREACHABLE
            raise FTL2ConnectionError(
                message=f"Failed to connect after {max_retries} attempts: {type(exc).__name__}",
                host=target.host,
                host_address=target.host,
                port=target.port,
                user=target.user,
                error_type=kind,
                attempt=attempt,
                max_attempts=max_retries,
            ) from exc
    raise AssertionError("unreachable: the loop returns or raises")


async def _start_gate(runner: Any, conn: Any, command: str, gate_file: str, local_gate: str, host_name: str) -> tuple[Any, bool]:
    for first in (True, False):
        process = await conn.create_process(command, encoding=None)
        hello: dict[str, Any] = {"capabilities": ["multiplex"]}
        if runner.policy_wire:
            hello.update(policy_rules=runner.policy_wire, environment=runner.environment, host=host_name)
        try:
            await runner.protocol.send_message(process.stdin, "Hello", hello)
        except Exception:  # noqa: BLE001, S110 - the command ended already (no gate): its exit status says why
            pass
        response = await _read_hello(runner, process)
        if response is not None:
            if response[0] != "Hello":
                raise Exception(f"Gate handshake failed: {response!r}")  # noqa: TRY002 - FTL2's own wording and type
            data = response[1] if isinstance(response[1], dict) else {}
            return process, "multiplex" in data.get("capabilities", [])
        completed = await process.wait()
        if completed.exit_status == GATE_MISSING and first:
            await _upload(conn, gate_file, local_gate)
            continue
        error = completed.stderr or b""
        raise Exception(f"Gate handshake failed: {error!r}")  # noqa: TRY002 - as FTL2 reports it
    raise AssertionError("unreachable: the second start returns or raises")


async def _read_hello(runner: Any, process: Any) -> Any:
    from ftl2.exceptions import GateHandshakeTimeoutError

    try:
        return await asyncio.wait_for(runner.protocol.read_message(process.stdout), timeout=runner.HANDSHAKE_TIMEOUT)
    except TimeoutError:
        raise GateHandshakeTimeoutError(f"Gate handshake timed out after {runner.HANDSHAKE_TIMEOUT}s") from None
    except Exception:  # noqa: BLE001 - a short read of a channel that closed: no gate answered
        return None


async def _upload(conn: Any, gate_file: str, local_gate: str) -> None:
    """The gate into ``~/.ftl`` (mode 0700) under a temporary name, renamed into place in one SFTP session."""
    import asyncssh

    directory = os.path.dirname(gate_file)
    temporary = f"{gate_file}.{os.getpid()}-{id(conn):x}.tmp"
    async with conn.start_sftp_client() as sftp:
        try:
            await sftp.mkdir(directory, asyncssh.SFTPAttrs(permissions=0o700))
        except asyncssh.SFTPFailure:
            pass  # it exists (SFTP v3 has no "already exists" code of its own)
        await sftp.put(local_gate, temporary)
        await sftp.chmod(temporary, 0o700)
        try:
            await sftp.posix_rename(temporary, gate_file)
        except asyncssh.SFTPError:
            await sftp.rename(temporary, gate_file)
