"""Hello, FTL2: the README's example job (ping + a command on localhost)."""


async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.ping()
        with runner.task("say hi"):
            await ftl.localhost.command(cmd="echo hi")
    return 0
