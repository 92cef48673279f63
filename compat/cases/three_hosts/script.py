async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("run everywhere"):
            await ftl.targets.command(cmd="echo hello")
    return 0
