async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("tolerated items", ignore_errors=True):
            async for item in runner.loop(["true", "false"]):
                await ftl.localhost.command(cmd=item)
        with runner.task("failing items"):
            async for item in runner.loop(["echo a", "false", "echo c"]):
                await ftl.localhost.command(cmd=item)
    return 0
