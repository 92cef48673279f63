hosts: all


async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.ping()
        with runner.task("say hello"):
            await ftl.command(cmd="echo hello")
    return 0
