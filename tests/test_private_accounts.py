"""The compat harness's private accounts: user/group cases must never change this machine's accounts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from compat import harness, private_accounts
from compat.reference import ensure_reference_env

REAL_ACCOUNTS = (Path("/etc/passwd"), Path("/etc/group"))


def _names_in_real_accounts(prefix: str) -> list[str]:
    found = []
    for path in REAL_ACCOUNTS:
        found += [f"{path}: {line}" for line in path.read_text().splitlines() if line.startswith(prefix)]
    return found


def _skip_unless_available() -> None:
    reason = private_accounts.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)


@pytest.mark.unit
def test_guard_notices_a_changed_account_file(tmp_path, monkeypatch):
    passwd, group = tmp_path / "passwd", tmp_path / "group"
    passwd.write_text("root:x:0:0::/root:/bin/sh\n")
    monkeypatch.setattr(private_accounts, "ACCOUNT_FILES", (passwd, group))
    with private_accounts.unchanged_accounts():
        pass  # nothing changes: no error
    with pytest.raises(private_accounts.AccountsChanged, match="passwd"):
        with private_accounts.unchanged_accounts():
            passwd.write_text("root:x:0:0::/root:/bin/sh\nintruder:x:1:1::/:/bin/sh\n")
    with pytest.raises(private_accounts.AccountsChanged, match="group"):
        with private_accounts.unchanged_accounts():
            group.write_text("new\n")  # a file that appears counts too


@pytest.mark.unit
def test_wrapped_command_runs_the_worker_last(tmp_path):
    argv = private_accounts.wrapped(["ansible-runner", "worker", "--private-data-dir=/x"], tmp_path)
    assert argv[-3:] == ["ansible-runner", "worker", "--private-data-dir=/x"]
    assert "--mount" in argv and (tmp_path / "upper").is_dir() and (tmp_path / "work").is_dir()
    with pytest.raises(ValueError, match="overlayfs"):
        private_accounts.wrapped(["true"], tmp_path / "a,b")


@pytest.mark.e2e
def test_account_changes_stay_in_the_namespace(tmp_path):
    _skip_unless_available()
    name = "ftl2compat_probe"
    script = f"groupadd {name} && useradd -M -g {name} {name} && getent passwd {name} && getent group {name}"
    before = private_accounts.fingerprint()
    done = subprocess.run(private_accounts.wrapped(["sh", "-c", script], tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(name) >= 2  # the user and the group existed inside
    assert _names_in_real_accounts(name) == []
    assert private_accounts.fingerprint() == before
    assert "ftl2compat_probe" in (tmp_path / "upper" / "passwd").read_text()  # the write went to the overlay


@pytest.mark.compat
@pytest.mark.parametrize(
    ("name", "host", "prefix"),
    [("user_group", "localhost", "ftl2compat_"), ("remote_user_group", "r1", "ftl2ci_")],
    ids=["local", "over-ssh"],
)
def test_user_group_case_leaves_the_real_accounts_alone(name, host, prefix):
    """Locally the workers, over SSH the sshd (on this machine) see a throw-away /etc."""
    _skip_unless_available()
    case = next(c for c in harness.all_cases() if c.name == name)
    assert case.private_accounts
    before = private_accounts.fingerprint()
    comparison = harness.run_case(case, ensure_reference_env())
    assert comparison.reference.rc == 0 and comparison.ftl2.rc == 0
    # Both sides really created and removed accounts (changed tasks in the recap)...
    assert any(f'event_data.changed: {{"{host}": ' in line for line in comparison.ref_lines)
    assert any(f'event_data.changed: {{"{host}": ' in line for line in comparison.ftl2_lines)
    # ...and none of it reached this machine.
    assert _names_in_real_accounts(prefix) == []
    assert private_accounts.fingerprint() == before
