async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("at -v"):
            await ftl.localhost.debug(msg="shown at -v", verbosity=1)
        with runner.task("at -vv"):
            await ftl.localhost.debug(msg="hidden", verbosity=2)
        with runner.task("var at -vv"):
            await ftl.localhost.debug(var="inventory_hostname", verbosity=2)
        with runner.task("a loop at -vv"):
            async for _ in runner.loop(["a", "b"]):
                await ftl.localhost.debug(msg="{{ item }}", verbosity=2)
        with runner.task("a loop at -v"):
            async for _ in runner.loop(["a"]):
                await ftl.localhost.debug(msg="{{ item }}", verbosity=1)
    return 0
