"""The variables ansible-core adds to a template file it renders (``generate_ansible_template_vars``).

Both the ``template`` action and the ``template`` lookup render a file with the host's variables and
these above them: where the file is, who owns it, when it was changed and rendered, and
``ansible_managed`` unless the user set it.
"""

from __future__ import annotations

import datetime
import os
from typing import Any

# ansible-core's DEFAULT_MANAGED_STR.
MANAGED = "Ansible managed"


def template_vars(path: str, fullpath: str, dest: str | None, with_managed: bool) -> dict[str, Any]:
    """``template_host``, ``template_path``... for the file ``fullpath`` (``path`` as the task named it)."""
    import pwd

    st = os.stat(fullpath)
    try:
        uid: Any = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        uid = st.st_uid
    out: dict[str, Any] = {
        "template_host": os.uname()[1],
        "template_path": path,
        "template_mtime": datetime.datetime.fromtimestamp(st.st_mtime),
        "template_uid": uid,
        "template_run_date": datetime.datetime.now(),
        "template_destpath": dest,
        "template_fullpath": fullpath,
    }
    if with_managed:
        out["ansible_managed"] = MANAGED
    return out
