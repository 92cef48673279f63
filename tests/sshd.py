"""Real OpenSSH servers on 127.0.0.1 for the SSH tests (the helper lives in compat/, which uses it too)."""

from compat.sshd import SSHD, SshServer, free_port, keygen, start_servers

__all__ = ["SSHD", "SshServer", "free_port", "keygen", "start_servers"]
