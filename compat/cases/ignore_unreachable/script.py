async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("try everyone", ignore_unreachable=True):
            await ftl.targets.command(cmd="echo hi")
        with runner.task("the dead host is still here", ignore_unreachable=True):
            await ftl.targets.command(cmd="echo still here")
        with runner.task("not on the dead host", when='inventory_hostname != "deadhost"'):
            await ftl.targets.command(cmd="echo last")
        with runner.task("only reachable hosts remain", when='inventory_hostname != "deadhost"'):
            await ftl.targets.command(cmd="echo done")
    return 0
