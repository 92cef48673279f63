"""AWX's Receptor topologies on loopback: a controller, hop nodes and execution nodes running ``ftl2-runner worker``.

The controller plays AWX's control node: its control-service socket is where jobs are submitted
with ``receptorctl`` (stock ``ansible-runner transmit`` makes the payload, stock ansible-runner's
``process`` streamer reads the results, both from the compat reference env). An execution node's
work-command is ours, configured as AWX's receptor-worker.conf configures ``ansible-runner``.
Nodes are joined by TCP listeners and peers on 127.0.0.1 (AWX peers control nodes to hop and
execution nodes' listeners), optionally with TLS as AWX's installer sets it up: every listener a
``tls-server`` that requires a client certificate from the mesh CA, every peer a ``tls-client``
with that CA as its root, and each node's certificate naming its node ID in Receptor's otherName
SAN (OID 1.3.6.1.4.1.2312.19.1, a UTF8String: pkg/utils/other_name.go), which a node checks
against its own ID when it starts (pkg/netceptor/tlsconfig.go, checkCertificatesMatchNodeID).
Every address is loopback: receptor's tcp-listener binds 0.0.0.0 unless told otherwise
(cmd/defaults.go), so ``bindaddr`` is always set.

Every execution node runs with ``RUNNER_TEST_MESH=<token>`` in its environment, which its
command runners, workers, executors (warm or forked) and their children all inherit: after a job,
``leftovers()`` finds any of them still running.
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
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from receptor_standin import processes_with_marker
from sshd import free_port
from streams import BIN_DIR, FTL2_RUNNER, worker_env

WORKTYPE = "ansible-runner"
EXEC_NODE = "exec"
HOP_NODE = "hop"
CONTROLLER_NODE = "controller"
AWX_CONTROLLER = Path(__file__).with_name("awx_controller.py")
COMPLETE_STATES = ("Succeeded", "Failed", "Canceled")
RECEPTOR_NAME_OID = "1.3.6.1.4.1.2312.19.1"  # receptor's pkg/utils/other_name.go, OIDReceptorName


def receptorctl_path() -> str | None:
    """The receptorctl of the test environment (the `dev` extra), else one on PATH."""
    import shutil

    own = BIN_DIR / "receptorctl"
    return str(own) if own.exists() else shutil.which("receptorctl")


@dataclass(frozen=True)
class Node:
    """One receptor node of a topology."""

    id: str
    listens: bool = False  # a tcp-listener on 127.0.0.1
    peers: tuple[str, ...] = ()  # the nodes whose listeners it dials
    executes: bool = False  # work-command `ansible-runner` = our worker, verifying signatures
    signs: bool = False  # work-signing (the control node)


# controller -> exec: AWX's control node peered to one execution node
DIRECT = (Node(CONTROLLER_NODE, peers=(EXEC_NODE,), signs=True), Node(EXEC_NODE, listens=True, executes=True))
# controller -> hop -> exec: the execution node is reachable only through the hop node
THROUGH_A_HOP = (
    Node(CONTROLLER_NODE, peers=(HOP_NODE,), signs=True),
    Node(HOP_NODE, listens=True, peers=(EXEC_NODE,)),
    Node(EXEC_NODE, listens=True, executes=True),
)
# controller -> exec1, controller -> exec2: an instance group of two execution nodes
TWO_EXECUTION_NODES = (
    Node(CONTROLLER_NODE, peers=("exec1", "exec2"), signs=True),
    Node("exec1", listens=True, executes=True),
    Node("exec2", listens=True, executes=True),
)


def make_signing_keys(directory: Path) -> tuple[Path, Path]:
    """An RSA key pair for work signing, as AWX's installer generates (openssl)."""
    private, public = directory / "work-private-key.pem", directory / "work-public-key.pem"
    _openssl("genrsa", "-out", str(private), "2048")
    _openssl("rsa", "-in", str(private), "-pubout", "-out", str(public))
    return private, public


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_ca(directory: Path, name: str = "mesh-CA") -> tuple[Path, Path]:
    """A self-signed CA (certificate, key), as the mesh CA AWX's installer makes."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
        "-days", "2", "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return cert, key


def make_node_certificate(directory: Path, ca: tuple[Path, Path], node_id: str, names: tuple[str, ...] | None = None) -> tuple[Path, Path]:
    """A node's certificate and key, signed by ``ca``: the node IDs ``names`` (default: its own) in
    Receptor's otherName SAN, 127.0.0.1 and localhost (the TLS client checks the address it dials),
    for server and client use (every node both listens and dials)."""
    ca_cert, ca_key = ca
    key, csr, cert, ext = (directory / f"{node_id}.{suffix}" for suffix in ("key", "csr", "crt", "ext"))
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={node_id}")
    sans = ",".join(["DNS:localhost", "IP:127.0.0.1", *(f"otherName:{RECEPTOR_NAME_OID};UTF8:{name}" for name in names or (node_id,))])
    ext.write_text(f"subjectAltName={sans}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n")
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "2", "-extfile", str(ext),
    )  # fmt: skip
    return cert, key


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
    def __init__(
        self,
        root: Path,
        receptor: str,
        receptorctl: str,
        reference_bin: Path,
        topology: tuple[Node, ...] = DIRECT,
        tls: bool = False,
    ):
        self.root = root
        self.receptor = receptor
        self.receptorctl = receptorctl
        self.reference_bin = reference_bin
        self.topology = {node.id: node for node in topology}
        self.tls = tls
        self.controller = next(node.id for node in topology if node.signs)
        self.socket = self.control_socket(self.controller)
        self.isolation = root / "isolation"  # AWX_ISOLATION_BASE_PATH of the execution nodes
        self.isolation.mkdir(parents=True, exist_ok=True)
        self.marker = uuid.uuid4().hex  # RUNNER_TEST_MESH of every execution node
        self.nodes: dict[str, subprocess.Popen] = {}
        self._ports: dict[str, int] = {}
        self._job_number = 0
        self._lock = threading.Lock()

    # -- nodes -------------------------------------------------------------------------------
    @property
    def exec_datadir(self) -> Path:
        return self.datadir(EXEC_NODE)

    def datadir(self, node: str) -> Path:
        """The node's datadir; a unit's files are in ``<datadir>/<node>/<unit>``."""
        return self.root / f"{node}-data"

    def control_socket(self, node: str) -> Path:
        return self.root / f"{node}.sock"

    def execution_nodes(self) -> list[str]:
        return [node.id for node in self.topology.values() if node.executes]

    def config(self, node: Node) -> str:
        """The node's receptor.conf, as AWX writes it for its role."""
        entries: list[dict[str, Any]] = [
            {"node": {"id": node.id, "datadir": str(self.datadir(node.id))}},
            {"log-level": "info"},
            {"control-service": {"service": "control", "filename": str(self.control_socket(node.id))}},
        ]
        if self.tls:
            cert, key = self.root / "tls" / f"{node.id}.crt", self.root / "tls" / f"{node.id}.key"
            ca = str(self.root / "tls" / "mesh-CA.crt")
            entries += [
                {"tls-server": {"name": "tlsserver", "cert": str(cert), "key": str(key), "requireclientcert": True, "clientcas": ca}},
                {"tls-client": {"name": "tlsclient", "cert": str(cert), "key": str(key), "rootcas": ca}},
            ]
        if node.listens:
            listener: dict[str, Any] = {"bindaddr": "127.0.0.1", "port": self._ports[node.id]}
            if self.tls:
                listener["tls"] = "tlsserver"
            entries.append({"tcp-listener": listener})
        for peer in node.peers:
            dial: dict[str, Any] = {"address": f"127.0.0.1:{self._ports[peer]}", "redial": True}
            if self.tls:
                dial["tls"] = "tlsclient"
            entries.append({"tcp-peer": dial})
        if node.signs:
            entries.append({"work-signing": {"privatekey": str(self.root / "work-private-key.pem"), "tokenexpiration": "1m"}})
        if node.executes:
            entries += [
                {"work-verification": {"publickey": str(self.root / "work-public-key.pem")}},
                {
                    "work-command": {
                        "worktype": WORKTYPE,
                        "command": FTL2_RUNNER,
                        "params": "worker",
                        "allowruntimeparams": True,
                        "verifysignature": True,
                    }
                },
            ]
        return yaml.safe_dump(entries, sort_keys=False)

    def start(self, timeout: float = 30) -> None:
        self._ports = {node.id: free_port() for node in self.topology.values() if node.listens}
        make_signing_keys(self.root)
        if self.tls:
            ca = make_ca(self.root / "tls")
            for node_id in self.topology:
                make_node_certificate(self.root / "tls", ca, node_id)
        # Listeners before the nodes that dial them: a refused dial is retried only 5 s later.
        started: set[str] = set()
        while len(started) < len(self.topology):
            for node in self.topology.values():
                if node.id not in started and all(peer in started for peer in node.peers):
                    self.start_node(node.id)
                    started.add(node.id)
        self.wait_until_routed(timeout)

    def start_node(self, node_id: str) -> subprocess.Popen:
        """Start (or restart, with the same config and datadir) one node."""
        node = self.topology[node_id]
        config = self.root / f"{node_id}.yaml"
        config.write_text(self.config(node))
        # An execution node's env is its workers' env (work-command inherits it); its own HOME
        # keeps the node's ~/.ansible_runner_uuid (worker-info) inside the test.
        home = self.root / f"{node_id}-home"
        home.mkdir(exist_ok=True)
        env = worker_env(HOME=str(home))
        if node.executes:
            env["RUNNER_TEST_MESH"] = self.marker
        with open(self.root / f"{node_id}.log", "ab") as log:
            process = subprocess.Popen(
                [self.receptor, "--config", str(config)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.nodes[node_id] = process
        if node.listens:
            self._wait_for_listener(node_id)
        return process

    def _wait_for_listener(self, node_id: str, timeout: float = 15) -> None:
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.nodes[node_id].poll() is not None:
                raise RuntimeError(f"receptor node {node_id} exited: {self.logs()}")
            try:
                socket.create_connection(("127.0.0.1", self._ports[node_id]), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"receptor node {node_id} did not listen in {timeout} s: {self.logs()}")

    def kill_node(self, node_id: str, signum: int = signal.SIGKILL) -> None:
        process = self.nodes[node_id]
        process.send_signal(signum)
        process.wait(15)

    def wait_until_routed(self, timeout: float = 30) -> None:
        """Until the controller sees every execution node's work type and a route to it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node_id, node in self.nodes.items():
                if node.poll() is not None:
                    raise RuntimeError(f"receptor node {node_id} exited: {self.logs()}")
            if self.socket.exists() and self._routes_to_every_executor():
                return
            time.sleep(0.3)
        raise RuntimeError(f"the mesh did not come up in {timeout} s: {self.logs()}")

    def status(self) -> dict[str, Any]:
        return json.loads(self.ctl("status", "--json", timeout=10).stdout)

    def _routes_to_every_executor(self) -> bool:
        done = self.ctl("status", "--json", check=False, timeout=10)
        if done.returncode != 0:
            return False
        status = json.loads(done.stdout)
        routed = status.get("RoutingTable") or {}
        advertised = {
            ad.get("NodeID")
            for ad in status.get("Advertisements") or []
            if any((w.get("WorkType") if isinstance(w, dict) else w) == WORKTYPE for w in ad.get("WorkCommands") or [])
        }
        return all(node in advertised and node in routed for node in self.execution_nodes())

    def stop(self) -> None:
        for node in self.nodes.values():
            if node.poll() is None:
                node.send_signal(signal.SIGTERM)
        for node in self.nodes.values():
            try:
                node.wait(10)
            except subprocess.TimeoutExpired:
                node.kill()
                node.wait(5)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.root.glob("*.log")))

    def leftovers(self) -> list[int]:
        """Processes that inherited an execution node's environment, less the nodes themselves."""
        nodes = {process.pid for process in self.nodes.values()}
        return [pid for pid in processes_with_marker(self.marker) if pid not in nodes]

    def wait_for_no_leftovers(self, timeout: float = 15) -> list[int]:
        deadline = time.monotonic() + timeout
        while (left := self.leftovers()) and time.monotonic() < deadline:
            time.sleep(0.1)
        return left

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

    def submit(
        self,
        params: str,
        payload: subprocess.Popen | bytes | None,
        ttl: str | None = None,
        signwork: bool = True,
        node: str = EXEC_NODE,
    ) -> str:
        """``receptorctl work submit ansible-runner --node exec --signwork --payload - --param params=...``
        as AWX submits (it signs work whenever the control node has a work-signing key)."""
        args = ["work", "submit", WORKTYPE, "--node", node, "--param", f"params={params}"]
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

    def payload(self, pdd: Path, *args: str) -> bytes:
        """The transmit stream as bytes, made beforehand (for submits timed to the moment)."""
        transmit = self.transmit(pdd, *args)
        out, err = transmit.communicate(timeout=60)
        assert transmit.returncode == 0, err
        return out

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
        """``work list --unit_id U`` on the controller, or on another node over the mesh."""
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
