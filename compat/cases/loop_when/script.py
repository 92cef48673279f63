async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("some items", when="item != 2"):
            async for item in runner.loop([1, 2, 3]):
                await ftl.localhost.command(cmd=f"echo {item}")
        with runner.task("no items", when="item > 5"):
            async for item in runner.loop([1, 2]):
                await ftl.localhost.command(cmd=f"echo {item}")
    return 0
