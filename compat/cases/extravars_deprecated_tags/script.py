async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("the deprecated forms"):
            await ftl.localhost.debug(msg="{{ ordered }} {{ paired }} {{ old_vault }}")
    return 0
