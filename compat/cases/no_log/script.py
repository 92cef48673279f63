async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("handle a secret", no_log=True):
            await ftl.localhost.command(cmd="echo hunter2")
    return 0
