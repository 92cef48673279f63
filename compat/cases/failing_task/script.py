async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("works"):
            await ftl.localhost.command(cmd="echo ok")
        with runner.task("breaks"):
            await ftl.localhost.command(cmd="/bin/false")
        with runner.task("never runs"):
            await ftl.localhost.command(cmd="echo unreachable code")
    return 0
