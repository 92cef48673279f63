async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("try everyone"):
            await ftl.targets.command(cmd="echo hi")
        with runner.task("only reachable hosts remain"):
            await ftl.targets.command(cmd="echo still here")
    return 0
