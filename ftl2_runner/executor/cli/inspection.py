"""ansible-playbook's "look, don't run" flags for an FTL2 script.

``--syntax-check`` and ``--list-hosts`` answer without touching a host, in
ansible-playbook's words and layout. ``--list-tasks`` and ``--list-tags`` cannot be
answered: a playbook declares its tasks, a script makes them as it runs, so the only
honest answer is a refusal before anything runs (running the script to find out would
be the side effect the user asked to avoid).
"""

from __future__ import annotations

from collections.abc import Sequence

RC_OPTIONS_ERROR = 5  # ansible-playbook's exit code for options it cannot act on (AnsibleOptionsError)


def refusal(list_tasks: bool, list_tags: bool) -> str | None:
    """The error for ``--list-tasks`` / ``--list-tags``, or None when neither was given."""
    flags = [flag for flag, given in (("--list-tasks", list_tasks), ("--list-tags", list_tags)) if given]
    if not flags:
        return None
    return (
        f"{' and '.join(flags)} cannot be answered for an FTL2 script: its tasks and tags are only known by running it, so nothing was run"
    )


def syntax_check_report(playbook: str) -> str:
    """What ansible-playbook prints for a playbook that passes ``--syntax-check``."""
    return f"\nplaybook: {playbook}\n"


def list_hosts_report(playbook: str, pattern: str, hosts: Sequence[str]) -> str:
    """``--list-hosts`` in ansible-playbook's layout, for the hosts a script can target.

    ansible-playbook lists each play's pattern and hosts; a script's plays are only
    known when it runs, so the one entry is what the inventory and ``--limit`` leave
    for the plays to choose from.
    """
    lines = [
        "",
        f"playbook: {playbook}",
        "",
        "  hosts the script can target (its plays choose among them):",
        f"    pattern: [{pattern!r}]",
        f"    hosts ({len(hosts)}):",
    ]
    lines += [f"      {host}" for host in hosts]
    return "\n".join(lines) + "\n"


def adhoc_list_hosts_report(hosts: Sequence[str]) -> str:
    """``ansible PATTERN -m MOD --list-hosts``: the matched hosts, as ansible prints them."""
    return "\n".join([f"  hosts ({len(hosts)}):", *[f"    {host}" for host in hosts]]) + "\n"
