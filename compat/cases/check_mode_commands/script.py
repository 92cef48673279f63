import os


async def run(inventory_path, extravars, runner):
    here = os.path.dirname(runner.script_path)
    async with runner.automation() as ftl:
        with runner.task("a command"):
            await ftl.localhost.command(cmd="echo checked")
        with runner.task("a shell in a loop"):
            async for item in runner.loop(["a", "b"]):
                await ftl.localhost.shell(cmd=f"echo {item} | tr a-z A-Z")
        with runner.task("creates what exists"):
            await ftl.localhost.command(cmd="echo never", creates=here)
        with runner.task("removes what is missing"):
            await ftl.localhost.command(cmd="echo never", removes=os.path.join(here, "..", "missing"))
        with runner.task("creates what is missing"):
            async for _item in runner.loop(["x"]):
                await ftl.localhost.command(cmd="echo would", creates=os.path.join(here, "..", "missing"))
    return 0
