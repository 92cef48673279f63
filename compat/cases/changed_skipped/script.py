async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("changes something"):
            await ftl.localhost.command(cmd="echo changed")
        with runner.task("never applies", when=False):
            await ftl.localhost.command(cmd="echo skipped")
    return 0
