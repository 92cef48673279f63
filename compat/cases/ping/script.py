async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.ping()
    return 0
