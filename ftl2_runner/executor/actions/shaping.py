"""Gives FTL2-native module results the shape Ansible's modules give them.

FTL2 runs ``command``, ``shell``, ``file``, ``copy``... as its own Python functions,
whose outputs are leaner than Ansible's (``command``: no ``msg``, ``start``, ``end``,
``delta``, ``*_lines``; ``stdout`` keeps its trailing newline; ``cmd`` is a string).
AWX users read ``res`` in job event details and templates read registered results, so
we rebuild the keys Ansible's module documents, in the order it returns them.
Anything that cannot be reproduced is listed in docs/compat.md.
"""

from __future__ import annotations

import datetime
import shlex
from collections.abc import Mapping
from typing import Any

_COMMAND_FAILED_MSG = "The command exited with a non-zero return code."
# Marks a result that is already Ansible's own (an Ansible module ftl2-runner ran, a check-mode
# prediction): it is reported as it is, only the marker and verbosity-dependent keys go.
PRESHAPED = "_ftl2_runner_preshaped"
# ansible-core asks modules for their `invocation` only from -vvv on (`_ansible_inject_invocation`);
# FTL2's copy of module_utils always adds it.
INVOCATION_VERBOSITY = 3


def _local_time(epoch: float | None) -> str:
    moment = datetime.datetime.fromtimestamp(epoch) if epoch else datetime.datetime.now()
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _strip_newline(text: Any) -> str:
    text = "" if text is None else str(text)
    return text[:-1] if text.endswith("\n") else text


def shape_command(
    module: str, params: Mapping[str, Any], output: Mapping[str, Any], started: float | None, ended: float | None
) -> dict[str, Any]:
    """Ansible's ``command``/``shell`` result: changed, msg, rc, stdout, stderr, cmd, start, end, delta, *_lines."""
    short = module.rsplit(".", 1)[-1]
    rc = output.get("rc")
    raw_cmd = params.get("cmd", params.get("_raw_params", output.get("cmd", "")))
    if short == "command" and isinstance(raw_cmd, str):
        try:
            cmd: Any = shlex.split(raw_cmd)
        except ValueError:
            cmd = raw_cmd
    elif isinstance(params.get("argv"), list):
        cmd = list(params["argv"])
    else:
        cmd = raw_cmd
    skip = _skipped_by_path(params, output)
    if skip is not None:
        # Ansible's words for creates/removes (FTL2 has two wordings of its own, one per entry point).
        path, state = skip
        said = f"skipped, since {path} {state}"
        return {
            "changed": False,
            "msg": f"Did not run command since '{path}' {state}",
            "rc": 0,
            "stdout": said,
            "stderr": "",
            "cmd": cmd,
            "start": None,
            "end": None,
            "delta": None,
            "stdout_lines": [said],
            "stderr_lines": [],
        }
    stdout = _strip_newline(output.get("stdout"))
    stderr = _strip_newline(output.get("stderr"))
    msg = "" if rc in (0, None) else _COMMAND_FAILED_MSG
    started = started or ended
    ended = ended or started
    delta = datetime.timedelta(seconds=max(0.0, (ended or 0) - (started or 0)))
    shaped: dict[str, Any] = {
        "changed": bool(output.get("changed", True)),
        "msg": msg,
        "rc": rc,
        "stdout": stdout,
        "stderr": stderr,
        "cmd": cmd,
        "start": _local_time(started),
        "end": _local_time(ended),
        "delta": str(delta),
        "stdout_lines": stdout.splitlines(),
        "stderr_lines": stderr.splitlines(),
    }
    return shaped


def _skipped_by_path(params: Mapping[str, Any], output: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(path, "exists" | "does not exist")`` when FTL2 skipped the command for creates/removes."""
    msg = output.get("msg")
    if output.get("changed") or not isinstance(msg, str) or not msg.lower().startswith("skipped"):
        return None
    if params.get("creates") and msg.endswith(" exists"):
        return str(params["creates"]), "exists"
    if params.get("removes") and msg.endswith(" does not exist"):
        return str(params["removes"]), "does not exist"
    return None


def stat_fields(path: str) -> dict[str, Any]:
    """The ownership/mode/state/size keys Ansible's file-type modules report, from a real stat."""
    import grp
    import os
    import pwd
    import stat as stat_module

    try:
        st = os.lstat(path)
    except OSError:
        return {"state": "absent"}
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    if stat_module.S_ISDIR(st.st_mode):
        state = "directory"
    elif stat_module.S_ISLNK(st.st_mode):
        state = "link"
    else:
        state = "file"
    return {
        "uid": st.st_uid,
        "gid": st.st_gid,
        "owner": owner,
        "group": group,
        "mode": "%04o" % stat_module.S_IMODE(st.st_mode),
        "state": state,
        "size": st.st_size,
    }


def _digest(path: str, algorithm: str) -> str | None:
    import hashlib

    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, algorithm).hexdigest()
    except OSError:
        return None


def shape_file(
    module: str, params: Mapping[str, Any], output: Mapping[str, Any], started: float | None, ended: float | None
) -> dict[str, Any]:
    """Ansible's ``file`` result: path (dest for touch) plus the file's real attributes."""
    path = str(output.get("path") or params.get("path") or params.get("dest") or "")
    shaped: dict[str, Any] = {"changed": bool(output.get("changed", False))}
    if params.get("state") in ("link", "hard"):
        shaped.update(dest=path, src=params.get("src"))  # Ansible's file module names both ends of a link
    else:
        shaped["dest" if params.get("state") == "touch" else "path"] = path
    fields = stat_fields(path)
    if fields.get("state") == "absent":
        shaped["state"] = "absent"
    else:
        shaped.update(fields)
    return shaped


def shape_copy(
    module: str, params: Mapping[str, Any], output: Mapping[str, Any], started: float | None, ended: float | None
) -> dict[str, Any]:
    """Ansible's ``copy`` result: dest, src, checksums and the written file's attributes."""
    dest = str(output.get("dest") or params.get("dest") or "")
    shaped: dict[str, Any] = {"changed": bool(output.get("changed", False))}
    if shaped["changed"]:
        shaped["diff"] = list(output.get("diff") or [])
    shaped["dest"] = dest
    shaped["src"] = output.get("src", params.get("src"))
    md5, sha1 = _digest(dest, "md5"), _digest(dest, "sha1")
    if md5 is not None:
        shaped["md5sum"] = md5
    if sha1 is not None:
        shaped["checksum"] = sha1
    shaped.update(stat_fields(dest))
    return shaped


def shape_template(
    module: str, params: Mapping[str, Any], output: Mapping[str, Any], started: float | None, ended: float | None
) -> dict[str, Any]:
    """Ansible's ``template`` result: its ``copy`` of the rendered file, or the ``file`` view when unchanged.

    FTL2 renders and writes the file itself and returns only ``changed``/``src``/``dest``;
    Ansible's action hands the rendering to ``copy``, so the result is ``copy``'s.
    """
    dest = str(output.get("dest") or params.get("dest") or "")
    changed = bool(output.get("changed", False))
    fields = stat_fields(dest)
    attributes: dict[str, Any] = {k: fields[k] for k in ("uid", "gid", "owner", "group", "mode", "state", "size") if k in fields}
    checksum = _digest(dest, "sha1")
    if not changed:
        return {"changed": False, "diff": [], "path": dest, **attributes, "checksum": checksum, "dest": dest}
    shaped: dict[str, Any] = {
        "changed": True,
        "diff": list(output.get("diff") or []),
        "dest": dest,
        "src": output.get("src", params.get("src")),
        "md5sum": _digest(dest, "md5"),
        "checksum": checksum,
    }
    shaped.update(attributes)
    return shaped


SHAPERS = {
    "command": shape_command,
    "shell": shape_command,
    "ansible.builtin.command": shape_command,
    "ansible.builtin.shell": shape_command,
    "ansible.legacy.command": shape_command,
    "ansible.legacy.shell": shape_command,
}
# These read the result's file on this machine, so they only shape results of local hosts.
LOCAL_SHAPERS = {
    "file": shape_file,
    "ansible.builtin.file": shape_file,
    "copy": shape_copy,
    "ansible.builtin.copy": shape_copy,
    "template": shape_template,
    "ansible.builtin.template": shape_template,
}


def shape_facts(output: Mapping[str, Any]) -> dict[str, Any]:
    """``setup``'s result as the controller reports it: the facts, never their own output or rc."""
    res: dict[str, Any] = {"changed": False, "ansible_facts": output["ansible_facts"]}
    for key in ("warnings", "deprecations"):
        if output.get(key):
            res[key] = output[key]
    res["_ansible_verbose_override"] = True
    return ansible_key_order(res)


def shape_result(
    module: str,
    params: Mapping[str, Any],
    output: Mapping[str, Any] | None,
    started: float | None,
    ended: float | None,
    local: bool = False,
    verbosity: int = INVOCATION_VERBOSITY,
) -> dict[str, Any]:
    output = dict(output or {})
    if verbosity < INVOCATION_VERBOSITY:
        output.pop("invocation", None)
    if output.pop(PRESHAPED, False):
        return ansible_key_order(output)
    if output.get("failed"):
        return ansible_key_order(output)
    if output.get("skipped"):
        return output
    if module.rsplit(".", 1)[-1] in ("setup", "gather_facts") and isinstance(output.get("ansible_facts"), dict):
        return shape_facts(output)
    shaper = SHAPERS.get(module)
    if shaper is not None and "rc" in output:
        return shaper(module, params, output, started, ended)
    local_shaper = LOCAL_SHAPERS.get(module)
    if local_shaper is not None and local:
        return local_shaper(module, params, output, started, ended)
    return ansible_key_order(output)


# The keys ansible-core 2.21 knows about a result (UnifiedTaskResult's fields), in the order it
# reports them to callbacks; every other key follows in the module's own order.
_KNOWN_RESULT_KEYS = (
    "changed",
    "unreachable",
    "warnings",
    "deprecations",
    "ansible_facts",
    "async_result",
    "exception",
    "finished",
    "msg",
    "_ansible_no_log",
    "_ansible_verbose_always",
    "_ansible_verbose_override",
    "rc",
    "module_stderr",
    "module_stdout",
    "attempts",
    "retries",
    "diff",
    "ansible_stats",
    "ansible_job_id",
    "skip_reason",
    "skipped_reason",
    "false_condition",
)


def ansible_key_order(res: Mapping[str, Any]) -> dict[str, Any]:
    """A module result in the key order ansible-core's controller gives it (``changed`` defaults to False)."""
    out: dict[str, Any] = {"changed": res.get("changed", False)}
    for key in _KNOWN_RESULT_KEYS[1:]:
        if key in res:
            out[key] = res[key]
    for key, value in res.items():
        if key not in out:
            out[key] = value
    return out


def as_failure(res: Mapping[str, Any]) -> dict[str, Any]:
    """A failed result as ansible-core 2.21 reports it: no ``failed`` key, ``exception`` after ``changed`` (and after
    the fields ansible-core's result lists before it: ``ansible_facts``, ``async_result``)."""
    out: dict[str, Any] = {}
    if "changed" in res:
        out["changed"] = res["changed"]
    else:
        out["changed"] = False
    for key in ("ansible_facts", "async_result"):
        if key in res:
            out[key] = res[key]
    if "async_result" not in res:  # the controller's own failure of an async job that did not finish has none
        out["exception"] = "(traceback unavailable)"
    for key, value in res.items():
        if key not in out and key != "failed":
            out[key] = value
    return out


# Keys ansible-core's controller adds after the module's known fields, in its result's field order.
_CONTROLLER_FIELDS = (
    "changed_when_result",
    "failed_when_result",
    "break_when_result",
    "changed_when_suppressed_exception",
    "failed_when_suppressed_exception",
    "break_when_suppressed_exception",
    "ansible_loop_var",
    "ansible_index_var",
    "_ansible_item_label",
)
_FIELDS = frozenset(_KNOWN_RESULT_KEYS + _CONTROLLER_FIELDS)


def with_result_fields(res: Mapping[str, Any], keys: Mapping[str, Any]) -> dict[str, Any]:
    """Add keys the controller adds to a module's result (``changed_when_result``, the loop keys...).

    ansible-core 2.21 reports a result as its known fields first, in their declared order, then
    the module's other keys; the added keys are known fields declared after every one in
    ``_KNOWN_RESULT_KEYS``, so they go after the last known field present (``rc`` for
    ``command``, ``diff`` for ``lineinfile``), before the module's own keys.
    """
    rest = [k for k in res if k not in keys]
    known = [i for i, k in enumerate(rest) if k in _FIELDS]
    cut = known[-1] + 1 if known else len(rest)
    out: dict[str, Any] = {k: res[k] for k in rest[:cut]}
    out.update(keys)
    out.update((k, res[k]) for k in rest[cut:])
    return out


def with_loop_item(
    res: Mapping[str, Any], loop_var: str, item: Any, label: Any = None, index_var: str | None = None, index: int = 0
) -> dict[str, Any]:
    """Add the loop keys Ansible adds to an item's result (after its known fields)."""
    keys: dict[str, Any] = {"ansible_loop_var": loop_var}
    if index_var:
        keys["ansible_index_var"] = index_var
    keys["_ansible_item_label"] = item if label is None else label
    keys[loop_var] = item
    if index_var:
        keys[index_var] = index
    return with_result_fields(res, keys)
