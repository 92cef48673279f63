async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.ping()
        with runner.task("a command"):
            await ftl.localhost.command(cmd="echo verbose")
    return 0
