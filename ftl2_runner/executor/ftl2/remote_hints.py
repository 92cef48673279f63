"""Says what to do when FTL2's first contact with a remote host fails for a known reason.

FTL2 0.4.7 reports these failures with its own internals' words — pip's multi-line
``No module named pip`` inside ``Gate construction failed``, or asyncssh's bare
``Session request failed`` when the target's sshd has no SFTP subsystem to receive
the gate. The task's ``msg`` is rewritten here to one line that names the cause and
the fix, as an operator reading the AWX job output needs it.
"""

from __future__ import annotations

SFTP_HINT = (
    " (the host's sshd refused an SSH session; FTL2 uploads its gate over SFTP, so this usually means the "
    "sshd has no SFTP subsystem: enable it, e.g. 'Subsystem sftp internal-sftp' in sshd_config)"
)
_GATE_FAILED = "Gate construction failed"


def explain(msg: str) -> str:
    if "Session request failed" in msg and "SFTP" not in msg:
        return msg.rstrip() + SFTP_HINT
    if _GATE_FAILED in msg and ("Failed to install dependencies" in msg or "No module named pip" in msg):
        from .gate import ensure_gate_installer, one_line

        prefix = msg[: msg.index(_GATE_FAILED)]
        # pip's own error went to stderr; "via pip" means FTL2 found no uv and fell back to pip.
        fix = ensure_gate_installer() if ("via pip" in msg or "No module named pip" in msg) else None
        if fix:
            return f"{prefix}{_GATE_FAILED}: {fix}"
        detail = one_line(msg[msg.index(_GATE_FAILED) + len(_GATE_FAILED) :].lstrip(": "))
        return (
            f"{prefix}{_GATE_FAILED}: installing the gate's dependencies failed ({detail}); on a node without a "
            "package index, prebuild the gate with 'ftl2-runner gate build' and set FTL2_RUNNER_GATE_DIR"
        )
    return msg
