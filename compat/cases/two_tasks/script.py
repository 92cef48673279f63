async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("first task"):
            await ftl.localhost.command(cmd="echo one")
        with runner.task("second task"):
            await ftl.localhost.shell(cmd="echo two && echo err >&2")
    return 0
