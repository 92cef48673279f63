"""Benchmark scenarios: each is an FTL2 script, the equivalent playbook, and the bare-FTL2 program."""

from __future__ import annotations

J2_SCRIPT = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.ping()
        with runner.task("say hi"):
            await ftl.localhost.command(cmd="echo hi")
    return 0
"""
J2_PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ping:
    - name: say hi
      command: echo hi
"""
J2_BARE = """
async def body(ftl):
    await ftl.localhost.ping()
    await ftl.localhost.command(cmd="echo hi")
"""

J100_SCRIPT = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        for i in range(100):
            await ftl.localhost.command(cmd=f"echo {i}")
    return 0
"""
J100_PLAYBOOK = "- hosts: localhost\n  gather_facts: false\n  tasks:\n" + "".join(f"    - command: echo {i}\n" for i in range(100))
J100_BARE = """
async def body(ftl):
    for i in range(100):
        await ftl.localhost.command(cmd=f"echo {i}")
"""

J10X10_SCRIPT = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        for i in range(10):
            await ftl.targets.command(cmd=f"echo {i}")
    return 0
"""
J10X10_PLAYBOOK = "- hosts: targets\n  gather_facts: false\n  tasks:\n" + "".join(f"    - command: echo {i}\n" for i in range(10))
J10X10_BARE = """
async def body(ftl):
    for i in range(10):
        await ftl.targets.command(cmd=f"echo {i}")
"""

LOCAL_INVENTORY = "[targets]\nlocalhost ansible_connection=local\n"
TEN_ALIASES = "[targets]\n" + "".join(f"h{i:02d} ansible_connection=local\n" for i in range(10))


def events_script(count: int) -> str:
    return f"""
async def run(inventory_path, extravars, runner):
    for i in range({count}):
        runner.display(f"event {{i}}")
    return 0
"""


BARE_WRAPPER = """
import asyncio, os, sys
os.environ["FTL2_TELEMETRY"] = "off"
import ftl2
{body}
async def main():
    async with ftl2.automation(inventory=sys.argv[1], quiet=True, log_file=None, state_file=None,
                               print_summary=False, print_errors=False) as ftl:
        await body(ftl)
asyncio.run(main())
"""

JOBS = {
    "J2": (J2_SCRIPT, J2_PLAYBOOK, J2_BARE, LOCAL_INVENTORY),
    "J100": (J100_SCRIPT, J100_PLAYBOOK, J100_BARE, LOCAL_INVENTORY),
    "J10x10": (J10X10_SCRIPT, J10X10_PLAYBOOK, J10X10_BARE, TEN_ALIASES),
}

# The older ftl2-runner's scripts have no ``runner.task``: the same jobs without it.
PEER_SCRIPTS = {
    "J2": """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.ping()
        await ftl.localhost.command(cmd="echo hi")
    return 0
""",
    "J100": J100_SCRIPT,
    "J10x10": J10X10_SCRIPT,
}

LONG_LINE_MB = (12, 25, 50)


def long_line_script(megabytes: int) -> str:
    """A script printing ``megabytes`` MiB without a newline: the worker holds the whole line."""
    return f"""
import sys
async def run(inventory_path, extravars, runner):
    sys.stdout.write("x" * ({megabytes} * 1024 * 1024))
    sys.stdout.flush()
    return 0
"""
