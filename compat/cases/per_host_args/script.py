async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("per host"):
            await ftl.targets.command(cmd=lambda host: f"echo {host.inventory_hostname}")
    return 0
