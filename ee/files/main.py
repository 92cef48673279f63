"""The EE's baked-in FTL2 script (/opt/ftl2/main.py), run when a job names no script
or names a launcher with ``ftl2_script: default`` (docs/awx.md).

Replace it with your own (see ee/README.md) or point FTL2_SCRIPT elsewhere. This one
pings every host of the job's inventory and reports its kernel, so a freshly built EE
can be checked end to end from AWX with any inventory.
"""


async def run(inventory_path, extravars, runner):
    # The `hosts` extra var, else the launcher's hosts (runner.default_hosts), else every host.
    pattern = extravars.get("hosts") or runner.default_hosts or "all"
    async with runner.automation():
        with runner.play("FTL2 baked-in script", hosts=pattern) as play:
            await play.ping()
            with runner.task("kernel"):
                await play.command(cmd="uname -a")
    return 0
