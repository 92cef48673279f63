async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("items"):
            async for item in runner.loop(["alpha", "beta"]):
                await ftl.localhost.command(cmd=f"echo {item}")
        with runner.task("tolerated failure", ignore_errors=True):
            await ftl.localhost.command(cmd="/bin/false")
        with runner.task("breaks"):
            await ftl.localhost.command(cmd="/bin/false")
    return 0
