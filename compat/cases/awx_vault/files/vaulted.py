async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.play("Vaulted values"):
            with runner.task("show them"):
                await ftl.debug(msg="{{ db_password }} {{ api_key }} {{ plain }}")
    return 0
