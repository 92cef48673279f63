async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("tolerated failure", ignore_errors=True):
            await ftl.localhost.command(cmd="/bin/false")
        with runner.task("after the failure"):
            await ftl.localhost.command(cmd="echo still running")
    return 0
