async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("echo items"):
            async for item in runner.loop(["alpha", "beta", "gamma"]):
                await ftl.localhost.command(cmd=f"echo {item}")
    return 0
