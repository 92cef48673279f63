async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("show the greeting"):
            await ftl.localhost.debug(msg=f"{extravars['greeting']}, {extravars['target_name']}!")
    return 0
