async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("small result"):
            await ftl.localhost.command(cmd="echo small")
        with runner.task("result over MAX_EVENT_RES"):
            await ftl.localhost.shell(cmd="head -c 5000 /dev/zero | tr '\\0' 'y'")
    return 0
