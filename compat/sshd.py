"""Real OpenSSH servers on 127.0.0.1 for the SSH tests and remote compat cases: high ports, temporary host keys,
key-only auth."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SshServer:
    port: int
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ftl2-runner-test", "-f", str(path)], check=True)
    return path


def start_servers(
    root: Path,
    count: int,
    authorized_key: Path,
    sftp: bool = True,
    extra_config: str = "",
    log_file: Path | None = None,
    wrapper: tuple[str, ...] = (),
) -> list[SshServer]:
    """``count`` sshds on free ports; ``sftp=False`` leaves out the SFTP subsystem (FTL2 needs it).

    ``extra_config``: more sshd_config lines (a later ``LogLevel`` wins over ours: sshd keeps the
    first value it reads, so they go first); ``log_file``: sshd's log (``-E``) instead of nowhere; ``wrapper``: a command
    line that runs sshd's (the bench's subreaper).
    """
    os.makedirs("/run/sshd", exist_ok=True)  # privilege separation directory
    root.mkdir(parents=True, exist_ok=True)
    host_key = keygen(root / "host_key")
    (root / "authorized_keys").write_text(Path(str(authorized_key) + ".pub").read_text())
    servers = []
    for index in range(count):
        port = free_port()
        config = root / f"sshd_{index}.conf"
        config.write_text(
            extra_config + f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {root}/sshd_{index}.pid\n"
            f"AuthorizedKeysFile {root}/authorized_keys\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PubkeyAuthentication yes\nPermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n"
            + ("Subsystem sftp internal-sftp\n" if sftp else "")
            + "LogLevel ERROR\n"
        )
        logging = ["-E", str(log_file)] if log_file is not None else ["-e"]
        process = subprocess.Popen(
            [*wrapper, SSHD, "-D", *logging, "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        servers.append(SshServer(port, process))
    deadline = time.monotonic() + 20
    for server in servers:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.process.poll() is not None:
                    for other in servers:
                        other.stop()
                    raise RuntimeError(f"sshd on port {server.port} did not start") from None
                time.sleep(0.1)
    return servers
