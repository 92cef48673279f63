"""``template`` under ``--check`` and ``--diff`` on local hosts, as Ansible's action does it.

FTL2's ``template`` shortcut renders the source with Jinja2 and writes the result with its
own ``copy``: it ignores check mode (the file would be written) and returns no diff.
Ansible's action renders the template into a file of its local temporary directory
(``~/.ansible/tmp/ansible-local-<pid>…/tmp…/<source name>``) and hands that file to its
``copy`` action, so the check-mode prediction, the unchanged file view and the diff are
``copy``'s, with that temporary file as the diff's ``after`` header.

Here the source is rendered exactly as FTL2's shortcut renders it (so the prediction is what a
real run would write) into such a temporary file, and the ``copy`` logic of :mod:`.check_mode`
and :mod:`..display.diff` runs on it. Only a changed file under ``--diff`` (not ``--check``) is written,
by FTL2's own ``template``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..display import diff
from ..ftl2 import ansible_modules
from . import check_mode

# FTL2's `template` signature: these are its own options; every other keyword is a template variable.
_OPTIONS = ("src", "dest", "mode", "owner", "group", "become", "become_user", "_become_overrides")


def render(params: Mapping[str, Any]) -> str:
    """The text FTL2's ``template`` shortcut writes for these arguments (its Jinja2 set-up)."""
    from jinja2 import Environment, FileSystemLoader

    source = Path(str(params["src"]))
    if not source.is_absolute():
        source = Path.cwd() / source
    if not source.exists():
        raise FileNotFoundError(f"Template not found: {source}")
    variables = {k: v for k, v in params.items() if k not in _OPTIONS}
    env = Environment(loader=FileSystemLoader(source.parent), keep_trailing_newline=True)
    return env.get_template(source.name).render(**variables)


@contextlib.contextmanager
def rendered_file(params: Mapping[str, Any]) -> Iterator[str]:
    """The rendered text in a file named as Ansible's action names it; removed afterwards."""
    local_tmp = ansible_modules.local_tmpdir()
    try:
        path = os.path.join(tempfile.mkdtemp(dir=local_tmp), os.path.basename(str(params["src"])))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render(params))
        yield path
    finally:
        shutil.rmtree(local_tmp, ignore_errors=True)


def as_copy(params: Mapping[str, Any], rendered: str) -> dict[str, Any]:
    """The ``copy`` arguments Ansible's action passes on: the rendered file to ``dest``."""
    args = {k: v for k, v in params.items() if k in ("dest", "mode", "owner", "group") and v is not None}
    args["src"] = rendered
    if os.path.isdir(str(args.get("dest", ""))):  # a directory: the file keeps the source's name there
        args["dest"] = os.path.join(str(args["dest"]), os.path.basename(str(params["src"])))
    return args


async def check(params: Mapping[str, Any], with_diff: bool) -> dict[str, Any]:
    """``--check``: Ansible's prediction (``changed``, or the unchanged file's view), nothing written."""
    with rendered_file(params) as rendered:
        return check_mode.copy_prediction(as_copy(params, rendered), with_diff)


async def run_with_diff(localhost: Any, params: Mapping[str, Any]) -> Any:
    """``--diff``: FTL2's ``template`` when the file changes, with the diff Ansible's ``copy`` reports."""
    with rendered_file(params) as rendered:
        args = as_copy(params, rendered)
        if check_mode.unchanged_copy(args):
            return check_mode.copy_prediction(args, with_diff=True)  # the file view, as Ansible's copy answers
        entry = diff.copy_diff(args)
    result = await localhost.template(**params)
    output = result[0] if isinstance(result, list) and result else result
    if isinstance(output, dict) and output.get("changed"):
        output = dict(output, diff=[entry])
    return output
