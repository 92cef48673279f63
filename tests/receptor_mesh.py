"""AWX's Receptor topology on loopback: a controller node and an execution node running ``ftl2-runner worker``.

The controller plays AWX's control node: its control-service socket is where jobs are submitted
with ``receptorctl`` (stock ``ansible-runner transmit`` makes the payload, stock ansible-runner's
``process`` streamer reads the results, both from the compat reference env). The execution node's
work-command is ours, configured as AWX's receptor-worker.conf configures ``ansible-runner``.
The nodes are joined by a TCP listener/peer on 127.0.0.1 (AWX peers control nodes to execution
nodes' listeners). Every address is loopback: receptor's tcp-listener binds 0.0.0.0 unless told
otherwise (cmd/defaults.go), so ``bindaddr`` is always set.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sshd import free_port
from streams import BIN_DIR, FTL2_RUNNER, worker_env

WORKTYPE = "ansible-runner"
EXEC_NODE = "exec"
CONTROLLER_NODE = "controller"
AWX_CONTROLLER = Path(__file__).with_name("awx_controller.py")
COMPLETE_STATES = ("Succeeded", "Failed", "Canceled")


def receptorctl_path() -> str | None:
    """The receptorctl of the test environment (the `dev` extra), else one on PATH."""
    import shutil

    own = BIN_DIR / "receptorctl"
    return str(own) if own.exists() else shutil.which("receptorctl")


def exec_node_config(datadir: Path, socket: Path, port: int, public_key: Path) -> str:
    """The execution node: AWX's receptor-worker.conf with our worker as the `ansible-runner` command."""
    return f"""---
- node:
    id: {EXEC_NODE}
    datadir: {datadir}
- log-level: info
- tcp-listener:
    bindaddr: 127.0.0.1
    port: {port}
- control-service:
    service: control
    filename: {socket}
- work-verification:
    publickey: {public_key}
- work-command:
    worktype: {WORKTYPE}
    command: {FTL2_RUNNER}
    params: worker
    allowruntimeparams: true
    verifysignature: true
"""


def controller_node_config(datadir: Path, socket: Path, port: int, private_key: Path) -> str:
    """The controller: AWX's control node, peered to the execution node's listener, signing work."""
    return f"""---
- node:
    id: {CONTROLLER_NODE}
    datadir: {datadir}
- log-level: info
- tcp-peer:
    address: 127.0.0.1:{port}
    redial: true
- control-service:
    service: control
    filename: {socket}
- work-signing:
    privatekey: {private_key}
    tokenexpiration: 1m
"""


def make_signing_keys(directory: Path) -> tuple[Path, Path]:
    """An RSA key pair for work signing, as AWX's installer generates (openssl)."""
    private, public = directory / "work-private-key.pem", directory / "work-public-key.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(private), "2048"], check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "rsa", "-in", str(private), "-pubout", "-out", str(public)], check=True, capture_output=True, timeout=60)
    return private, public


@dataclass
class Followed:
    """One job's results as AWX reads them: ``work results`` piped into the stock process streamer."""

    unit: str
    results: subprocess.Popen
    controller: subprocess.Popen
    raw: bytearray = field(default_factory=bytearray)
    _pump: threading.Thread | None = None
    report: dict[str, Any] | None = None
    results_stderr: bytes = b""
    _output: Any = None
    _errors: Any = None

    def wait_for(self, needle: bytes, count: int = 1, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if bytes(self.raw).count(needle) >= count:
                return
            if self.controller.poll() is not None:
                raise AssertionError(f"results ended before {needle!r}: {bytes(self.raw)[-2000:]!r}")
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} never appeared in the results of {self.unit}")

    def finish(self, timeout: float = 120, close_results: bool = False) -> dict[str, Any]:
        """Wait (bounded) until the controller's process step reported, then for the results stream.

        The process step stops at the eof record. After ``work cancel`` Receptor (1.4.8) keeps the
        results stream of the canceled unit open even when every byte has been sent, and AWX does
        not wait for it either: ``close_results`` shuts it as AWX shuts its result socket.
        """
        assert self._pump is not None
        try:
            self.controller.wait(timeout)
            if close_results:
                self.results.terminate()
            self.results.wait(timeout)
        except subprocess.TimeoutExpired:
            self.results.kill()
            self.controller.kill()
            raise
        self._pump.join(10)
        self.results_stderr = self.results.stderr.read() if self.results.stderr else b""
        self._output.seek(0)
        out = self._output.read()
        self._errors.seek(0)
        err = self._errors.read()
        assert b"Traceback" not in err, err.decode(errors="replace")
        self.report = json.loads(out)
        return self.report


class Mesh:
    def __init__(self, root: Path, receptor: str, receptorctl: str, reference_bin: Path):
        self.root = root
        self.receptor = receptor
        self.receptorctl = receptorctl
        self.reference_bin = reference_bin
        self.socket = root / "controller.sock"
        self.exec_socket = root / "exec.sock"
        self.exec_datadir = root / "exec-data"
        self.isolation = root / "isolation"  # AWX_ISOLATION_BASE_PATH of the execution node
        self.isolation.mkdir(parents=True, exist_ok=True)
        self.nodes: list[subprocess.Popen] = []
        self._job_number = 0
        self._lock = threading.Lock()

    # -- nodes -------------------------------------------------------------------------------
    def start(self, timeout: float = 30) -> None:
        port = free_port()
        private_key, public_key = make_signing_keys(self.root)
        configs = {
            EXEC_NODE: exec_node_config(self.exec_datadir, self.exec_socket, port, public_key),
            CONTROLLER_NODE: controller_node_config(self.root / "controller-data", self.socket, port, private_key),
        }
        for name, text in configs.items():
            config = self.root / f"{name}.yaml"
            config.write_text(text)
            log = open(self.root / f"{name}.log", "wb")
            # The execution node's env is the worker's env (work-command inherits it); its own HOME
            # keeps the node's ~/.ansible_runner_uuid (worker-info) inside the test.
            home = self.root / f"{name}-home"
            home.mkdir(exist_ok=True)
            env = worker_env(HOME=str(home))
            self.nodes.append(
                subprocess.Popen(
                    [self.receptor, "--config", str(config)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node in self.nodes:
                if node.poll() is not None:
                    raise RuntimeError(f"a receptor node exited: {self.logs()}")
            if self.socket.exists() and self._sees_exec_worktype():
                return
            time.sleep(0.3)
        raise RuntimeError(f"the mesh did not come up in {timeout} s: {self.logs()}")

    def _sees_exec_worktype(self) -> bool:
        done = self.ctl("status", "--json", check=False, timeout=10)
        if done.returncode != 0:
            return False
        status = json.loads(done.stdout)
        for ad in status.get("Advertisements") or []:
            if ad.get("NodeID") == EXEC_NODE and any(
                (w.get("WorkType") if isinstance(w, dict) else w) == WORKTYPE for w in ad.get("WorkCommands") or []
            ):
                return EXEC_NODE in (status.get("RoutingTable") or {})
        return False

    def stop(self) -> None:
        for node in self.nodes:
            if node.poll() is None:
                node.send_signal(signal.SIGTERM)
        for node in self.nodes:
            try:
                node.wait(10)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait(5)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.root.glob("*.log")))

    # -- receptorctl -------------------------------------------------------------------------
    def ctl(
        self, *args: str, socket: Path | None = None, check: bool = True, timeout: float = 60, **kwargs: Any
    ) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [self.receptorctl, "--socket", str(socket or self.socket), *args], capture_output=True, timeout=timeout, **kwargs
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"receptorctl {' '.join(args)} failed ({done.returncode}): {done.stdout[-2000:]!r} {done.stderr[-2000:]!r}"
            )
        return done

    def new_private_data_dir(self) -> Path:
        """A path like AWX's mkdtemp(prefix='awx_<id>_') on the execution node (the worker creates it)."""
        with self._lock:
            self._job_number += 1
            return self.isolation / f"awx_{self._job_number}_{os.urandom(4).hex()}"

    def submit(self, params: str, payload: subprocess.Popen | bytes | None, ttl: str | None = None, signwork: bool = True) -> str:
        """``receptorctl work submit ansible-runner --node exec --signwork --payload - --param params=...``
        as AWX submits (it signs work whenever the control node has a work-signing key)."""
        args = ["work", "submit", WORKTYPE, "--node", EXEC_NODE, "--param", f"params={params}"]
        if signwork:
            args.append("--signwork")
        if ttl:
            args += ["--ttl", ttl]
        if payload is None:
            done = self.ctl(*args, "--no-payload")
        elif isinstance(payload, bytes):
            done = self.ctl(*args, "--payload", "-", input=payload)
        else:
            try:
                done = self.ctl(*args, "--payload", "-", stdin=payload.stdout, timeout=300)
            except BaseException:
                payload.kill()
                raise
            finally:
                payload.stdout.close()
                rc = payload.wait(60)
            assert rc == 0, payload.stderr.read() if payload.stderr else "transmit failed"
        match = re.search(rb"Unit ID: (\S+)", done.stdout)
        assert match, done.stdout
        return match.group(1).decode()

    def transmit(self, pdd: Path, *args: str) -> subprocess.Popen:
        """Stock ``ansible-runner transmit`` (reference env) writing the payload to a pipe."""
        return subprocess.Popen(
            [str(self.reference_bin / "ansible-runner"), "transmit", str(pdd), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.reference_env(),
        )

    def reference_env(self) -> dict[str, str]:
        env = worker_env()
        env.pop("VIRTUAL_ENV", None)
        env["PATH"] = f"{self.reference_bin}{os.pathsep}{env.get('PATH', '')}"
        return env

    def follow(self, unit: str, controller_pdd: Path, ident: str) -> Followed:
        """Start ``work results`` piped (through a tee) into the stock process streamer."""
        results = subprocess.Popen(
            [self.receptorctl, "--socket", str(self.socket), "work", "results", unit], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        # Its report and errors go to files: a pipe is only read after it exits.
        output, errors = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        controller = subprocess.Popen(
            [str(self.reference_bin / "python"), str(AWX_CONTROLLER), str(controller_pdd), ident],
            stdin=subprocess.PIPE,
            stdout=output,
            stderr=errors,
            env=self.reference_env(),
        )
        followed = Followed(unit, results, controller, _output=output, _errors=errors)

        def pump() -> None:
            assert results.stdout is not None and controller.stdin is not None
            try:
                while chunk := os.read(results.stdout.fileno(), 1 << 16):
                    followed.raw.extend(chunk)
                    controller.stdin.write(chunk)
                    controller.stdin.flush()
            except BrokenPipeError:
                pass
            finally:
                try:
                    controller.stdin.close()
                except BrokenPipeError:
                    pass

        followed._pump = threading.Thread(target=pump, daemon=True)
        followed._pump.start()
        return followed

    def unit(self, unit: str, node: str | None = None) -> dict[str, Any]:
        """``work list --unit_id U`` on the controller, or on the execution node over the mesh."""
        args = ["work", "list", "--unit_id", unit] + (["--node", node] if node else [])
        return json.loads(self.ctl(*args).stdout)[unit]

    def units(self, node: str | None = None) -> dict[str, Any]:
        return json.loads(self.ctl("work", "list", *(["--node", node] if node else [])).stdout)

    def wait_complete(self, unit: str, timeout: float = 60, node: str | None = None) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            state = self.unit(unit, node)
            if state["StateName"] in COMPLETE_STATES or time.monotonic() > deadline:
                return state
            time.sleep(0.25)

    def remote_unit_id(self, unit: str) -> str:
        return self.unit(unit)["ExtraData"]["RemoteUnitID"]
