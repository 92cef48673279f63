"""``copy`` and ``template`` on remote hosts, done as Ansible's action plugins do them, with Ansible's modules.

Ansible's ``copy`` is an action: the controller reads the source (``content=`` goes to a local
temporary file first), asks the host for the destination's checksum (``stat``) and, only when they
differ, sends the file and runs the ``copy`` module on it; when they match, the ``file`` module
reports the destination (and fixes its attributes). ``--check`` stops after the comparison (changed,
or the ``file`` module's check-mode view); ``--diff`` looks at the destination (``file`` with
``_diff_peek``, then ``slurp``) for the ``before`` side. ``template`` renders on the controller with
the host's variables, writes the result to a local temporary file and hands it to ``copy``.

FTL2 0.4.7's remote ``copy``/``template`` write over an SFTP connection of their own (which ignores
the inventory's key file) and report FTL2's keys. Here every step on the host is one of Ansible's
modules through FTL2's gate (:func:`..ftl2.remote_modules.run_module`), so the result is the modules'
own: Ansible's keys and values. The diff entry is built by :mod:`..display.diff`, as for local hosts.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from typing import Any

from ..display import diff
from ..ftl2 import ansible_modules
from ..vars.booleans import ansible_bool
from . import source_tree, template_action
from .template_action import FILE_COMMON_ARGS

# What the copy action passes on to `file` (REAL_FILE_ARGS).
_REAL_FILE_ARGS = frozenset((*FILE_COMMON_ARGS, "state", "path", "_original_basename", "recurse", "force", "_diff_peek", "src"))


class _Unreachable(Exception):
    """The host could not be reached during a step: FTL2's result of that step is the task's."""

    def __init__(self, result: Any):
        super().__init__(str(getattr(result, "error", "")))
        self.result = result


class _Failed(Exception):
    """The action fails with this message (an ``AnsibleError`` in Ansible's action)."""


class _Host:
    """One remote host's steps: Ansible's modules with the flags ansible-core gives every module call."""

    def __init__(self, context: Any, host: str, settings: Any):
        self.context = context
        self.host = host
        self.check_mode = bool(settings.check_mode)
        self.diff = bool(settings.diff)
        self.verbosity = int(settings.verbosity)

    async def module(self, name: str, args: Mapping[str, Any], put: dict[str, Any] | None = None) -> dict[str, Any]:
        from ..ftl2.remote_modules import run_module

        module_args = ansible_modules.module_args(args, self.check_mode, self.diff, self.verbosity)
        result = await run_module(self.context, self.host, name, module_args, put)
        if not isinstance(result, dict):
            raise _Unreachable(result)
        return result

    async def put(self, arg: str, name: str, data: bytes) -> dict[str, Any]:
        """The source file for the module's argument ``arg``: in its arguments, or first in parts when it is large."""
        from ..ftl2 import remote_put
        from ..ftl2.remote_modules import run_module

        async def send(module: str, args: dict[str, Any]) -> Any:
            return await run_module(self.context, self.host, module, args)

        try:
            return await remote_put.put(send, arg, name, data)
        except remote_put.PutFailed as exc:
            if not isinstance(exc.result, dict):
                raise _Unreachable(exc.result) from exc
            raise _Failed(f"Failed to transfer the file to {self.host}: {exc}") from exc

    async def stat(self, path: str, follow: bool, checksum: bool = True) -> dict[str, Any]:
        """``_execute_remote_stat``: the file's ``stat``, with checksum ``"1"`` when it does not exist."""
        result = await self.module("stat", {"path": path, "follow": follow, "get_checksum": checksum, "checksum_algorithm": "sha1"})
        if result.get("failed"):
            message = result.get("module_stderr") or result.get("module_stdout") or result.get("msg")
            raise _Failed(f"Failed to get information on remote file ({path}): {message}")
        found = dict(result.get("stat") or {})
        if not found.get("exists"):
            found["checksum"] = "1"
        found.setdefault("checksum", "")
        return found


async def run_copy(context: Any, host: str, params: Mapping[str, Any], settings: Any, variables: Mapping[str, Any]) -> Any:
    """Ansible's ``copy`` action on one remote host: its result, or FTL2's when the host was unreachable."""
    remote = _Host(context, host, settings)
    try:
        result = await _copy(remote, dict(params), variables)
    except _Unreachable as exc:
        return exc.result
    except _Failed as exc:
        return {"failed": True, "msg": str(exc)}
    result.pop("invocation", None)  # the action drops it (ansible-core's INJECT_INVOCATION is off by default)
    return result


async def run_template(context: Any, host: str, params: Mapping[str, Any], settings: Any, variables: Mapping[str, Any]) -> Any:
    """Ansible's ``template`` action on one remote host: rendered here (:func:`.template_action.render`, as for
    every host), then ``copy``'s action on the rendered file."""
    try:
        rendered = template_action.render(params, variables)
    except template_action.TemplateFailed as exc:
        return exc.result()
    with template_action.rendered_file(params, rendered) as path:
        args = template_action.copy_args(params, rendered, path)
        args["follow"] = ansible_bool(params.get("follow", False))
        return await run_copy(context, host, args, settings, variables)


async def _copy(remote: _Host, args: dict[str, Any], variables: Mapping[str, Any]) -> dict[str, Any]:
    for internal in ("_original_basename", "_diff_peek"):
        if args.get(internal) is not None:
            return {"failed": True, "msg": f'Invalid parameter specified: "{internal}"'}
    source, content, dest = args.get("src"), args.get("content"), args.get("dest")
    if not source and content is None:
        return {"failed": True, "msg": "src (or content) is required"}
    if not dest:
        return {"failed": True, "msg": "dest is required"}
    if source and content is not None:
        return {"failed": True, "msg": "src and content are mutually exclusive"}
    if content is not None and str(dest).endswith("/"):
        return {"failed": True, "msg": "can not use content with a dir as dest"}
    if ansible_bool(args.get("remote_src", False)):
        return await remote.module("copy", args)
    local_tmp = ansible_modules.local_tmpdir()
    try:
        if content is not None:
            handle, source = tempfile.mkstemp(dir=local_tmp, prefix=".")
            data = json.dumps(content) if isinstance(content, (dict, list)) else content
            with os.fdopen(handle, "wb") as out:
                out.write(data if isinstance(data, bytes) else str(data).encode("utf-8", "surrogateescape"))
        else:
            found = template_action.find_source(str(source), "files", template_action.playbook_dir(variables))
            if found is None:
                return {"failed": True, "msg": f"Could not find or access '{source}' on the Ansible Controller."}
            # As rsync: a trailing slash on a directory copies its contents, none the directory itself.
            source = found + os.sep if str(source).endswith(os.sep) and not found.endswith(os.sep) else found
        return await _copy_sources(remote, args, str(source), content, str(dest))
    finally:
        shutil.rmtree(local_tmp, ignore_errors=True)


async def _copy_sources(remote: _Host, args: Mapping[str, Any], source: str, content: Any, dest: str) -> dict[str, Any]:
    """The action's loop: each file (``_copy_file``), then the directories no file made, then the links.

    A directory source makes ``dest`` a directory (a trailing slash, which the ``copy`` module relies
    on); the result is the one file's own when there is one file, else ``dest``, ``src`` and whether
    anything changed.
    """
    if os.path.isdir(source):
        tree = source_tree.walk(source, ansible_bool(args.get("local_follow", True)))
        dest = dest if dest.endswith("/") else dest + "/"
    else:
        tree = source_tree.SourceTree(files=[(source, os.path.basename(source))])
    changed, executed = False, False
    module_return: dict[str, Any] | None = {"changed": False}
    made: set[str] = set()  # directories the copy module makes on its way to a file
    for full, rel in tree.files:
        # Links at the destination are followed only when a single file is copied.
        follow = False if tree.directories else ansible_bool(args.get("follow", False))
        module_return = await _copy_file(remote, args, full, rel, content, dest, follow)
        if module_return is None:
            continue
        if module_return.get("failed"):
            return module_return
        parent = os.path.dirname(rel)
        while parent:
            made.add(parent)
            parent = os.path.dirname(parent)
        executed = True
        changed = changed or bool(module_return.get("changed"))
    file_args = {k: v for k, v in args.items() if k in _REAL_FILE_ARGS and k != "src"}
    for _, rel in tree.directories:
        if rel in made:
            continue
        module_return = await remote.module(
            "file", dict(file_args, path=os.path.join(dest, rel), state="directory", mode=args.get("directory_mode"), recurse=False)
        )
        if module_return.get("failed"):
            return module_return
        executed = True
        changed = changed or bool(module_return.get("changed"))
    for target, rel in tree.symlinks:
        link_args = dict(file_args, path=os.path.join(dest, rel), src=target, state="link", force=True)
        if tree.directories:
            link_args["follow"] = False
        if link_args.get("mode") == "preserve":
            link_args.pop("mode")
        module_return = await remote.module("file", link_args)
        executed = True
        if module_return.get("failed"):
            return module_return
        changed = changed or bool(module_return.get("changed"))
    if executed and len(tree.files) == 1 and module_return is not None:
        result = dict(module_return)
        if "path" in result and "dest" not in result:
            result["dest"] = result["path"]
        return result
    return {"dest": dest, "src": source, "changed": changed}


async def _copy_file(
    remote: _Host, args: Mapping[str, Any], source: str, source_rel: str, content: Any, dest: str, follow: bool
) -> dict[str, Any] | None:
    """The copy action's ``_copy_file`` for one source file (None: left alone, as ``force=false`` asks)."""
    force = ansible_bool(args.get("force", True))
    lmode = "0%03o" % stat.S_IMODE(os.stat(source).st_mode) if args.get("mode") == "preserve" else None
    dest_file = os.path.join(dest, source_rel) if dest.endswith("/") else dest
    found = await remote.stat(dest_file, follow, checksum=force)
    if found.get("exists") and found.get("isdir"):
        if content is not None:
            return {"failed": True, "msg": "can not use content with a dir as dest"}
        dest_file = os.path.join(dest, source_rel)
        found = await remote.stat(dest_file, follow, checksum=force)
    if found.get("exists") and not force:
        return None
    with open(source, "rb") as handle:
        data = handle.read()
    import hashlib

    local_checksum = hashlib.sha1(data).hexdigest()
    result: dict[str, Any] = {"diff": []}
    if local_checksum != found.get("checksum"):
        if remote.diff:
            result["diff"].append(await _diff_data(remote, dest_file, source, data, content))
        if remote.check_mode:
            result["changed"] = True
            return result
        new_args = {k: v for k, v in args.items() if k not in ("content", "decrypt")}
        new_args.update(dest=dest, _original_basename=source_rel, follow=follow)
        new_args.pop("src", None)  # the entry point names the file it writes (see remote_modules)
        if not args.get("checksum"):
            new_args["checksum"] = local_checksum
        if lmode:
            new_args["mode"] = lmode
        put = await remote.put("src", ".source" + os.path.splitext(dest_file)[1], data)
        module_return = await remote.module("copy", new_args, put)
    else:
        if follow:
            nofollow = await remote.stat(dest_file, False)
            if nofollow.get("islnk") and "lnk_source" in nofollow:
                dest = nofollow["lnk_source"]
        new_args = {k: v for k, v in args.items() if k in _REAL_FILE_ARGS and k != "src"}
        new_args.update(dest=dest, _original_basename=source_rel, recurse=False, state="file")
        if lmode:
            new_args["mode"] = lmode
        module_return = await remote.module("file", new_args)
    if not module_return.get("checksum"):
        module_return["checksum"] = local_checksum
    result.update(module_return)
    return result


async def _diff_data(remote: _Host, dest: str, source: str, data: bytes, content: Any) -> dict[str, Any]:
    """``_get_diff_data``: the destination as the host's ``file`` (peek) and ``slurp`` see it, the source as read here."""
    entry: dict[str, Any] = {}
    peek = await remote.module("file", {"path": dest, "_diff_peek": True})
    if peek.get("failed"):
        return entry
    if peek.get("rc", 0) == 0:
        if peek.get("state") in (None, "absent"):
            entry["before"] = ""
        elif peek.get("appears_binary"):
            entry["dst_binary"] = 1
        elif peek.get("size") and peek["size"] > diff.MAX_FILE_SIZE_FOR_DIFF:
            entry["dst_larger"] = diff.MAX_FILE_SIZE_FOR_DIFF
        else:
            slurped = await remote.module("slurp", {"path": dest})
            if "content" in slurped:
                entry["before_header"] = dest
                entry["before"] = base64.b64decode(slurped["content"]).decode("utf-8", "replace")
        entry.update(diff.after_entry(data, dest if content else source))
    return entry
