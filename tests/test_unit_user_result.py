"""ansible-core 2.21's `groups` key on `user` results from FTL2's older module."""

from __future__ import annotations

from types import SimpleNamespace

from ftl2_runner.executor.ftl2 import user_result


def _group(name, gid, members):
    return SimpleNamespace(gr_name=name, gr_gid=gid, gr_mem=list(members))


GROUPS = [_group("staff", 100, ["alice"]), _group("web", 200, ["bob", "alice"]), _group("db", 300, ["bob"]), _group("adm", 4, ["alice"])]


def test_groups_are_supplementary_memberships_in_database_order():
    assert user_result.membership("alice", 100, GROUPS) == "web,adm"  # staff is her primary group
    assert user_result.membership("carol", 100, GROUPS) == ""


def test_groups_follow_shell_when_the_user_exists():
    res = {"changed": True, "name": "alice", "state": "present", "uid": 1, "group": 100, "home": "/h", "shell": "/bin/sh", "x": 1}
    out = user_result.with_groups(res, GROUPS)
    assert list(out) == ["changed", "name", "state", "uid", "group", "home", "shell", "groups", "x"]
    assert out["groups"] == "web,adm"


def test_groups_as_the_task_wrote_them_are_replaced():
    res = {"name": "alice", "state": "present", "uid": 1, "group": 100, "shell": "/bin/sh", "groups": "adm,web,staff"}
    assert user_result.with_groups(res, GROUPS)["groups"] == "web,adm"


def test_no_groups_for_absent_failed_or_unknown_users():
    absent = {"changed": True, "name": "alice", "state": "absent", "force": False}
    assert user_result.with_groups(absent, GROUPS) == absent
    failed = {"failed": True, "name": "alice", "state": "present", "uid": 1, "msg": "no"}
    assert "groups" not in user_result.with_groups(failed, GROUPS)
    check_mode_new = {"changed": True, "name": "alice", "state": "present"}  # --check: the user does not exist yet
    assert "groups" not in user_result.with_groups(check_mode_new, GROUPS)


def test_the_file_runs_on_a_target_without_ftl2_runner(tmp_path):
    """Remote hosts get this file in our library of Ansible's modules (ftl2/remote_modules.py): it must run there
    on its own, imported by the entry point under its library name."""
    import io
    import subprocess
    import sys
    import zipfile

    from ftl2_runner.executor.ftl2 import remote_modules

    with zipfile.ZipFile(io.BytesIO(remote_modules.bundle_bytes("user"))) as archive:
        source = archive.read("ftl2_runner_user_result.py")
        assert b"ftl2_runner_user_result.with_groups" in archive.read("ftl2_runner_entry.py")
    (tmp_path / "ftl2_runner_user_result.py").write_bytes(source)
    probe = (
        "import sys; sys.path.insert(0, '.')\n"
        "import json, ftl2_runner_user_result as u\n"
        "class G:\n"
        "    def __init__(s, n, g, m): s.gr_name, s.gr_gid, s.gr_mem = n, g, m\n"
        "res = {'name': 'alice', 'state': 'present', 'uid': 5, 'group': 10, 'shell': '/bin/sh'}\n"
        "print(json.dumps(u.with_groups(res, [G('staff', 10, ['alice']), G('extra', 11, ['alice'])])))\n"
    )
    done = subprocess.run([sys.executable, "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith('"shell": "/bin/sh", "groups": "extra"}')
