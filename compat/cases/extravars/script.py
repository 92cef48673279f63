async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("show the greeting"):
            await ftl.localhost.debug(msg=f"{extravars['greeting']}, {extravars['target_name']}!")
        with runner.task("show an extra var"):
            await ftl.localhost.debug(var="greeting")
        with runner.task("the same through a template"):
            await ftl.localhost.debug(msg="{{ greeting }}, {{ target_name }}!")
    return 0
