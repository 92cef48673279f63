"""ansible-core 2.21's `groups` key on `user` results from FTL2's older module."""

from __future__ import annotations

from types import SimpleNamespace

from ftl2_runner.executor.actions import user_result


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
