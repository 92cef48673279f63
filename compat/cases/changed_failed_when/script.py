async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("never changes", changed_when=False):
            await ftl.targets.command(cmd="echo x")
        with runner.task("tolerated exit code", failed_when=False, register="tolerated"):
            await ftl.targets.command(cmd="false")
        with runner.task("show it", when='inventory_hostname == "h1"'):
            await ftl.targets.debug(var="tolerated")
        with runner.task("fails on one host", register="result", failed_when="'boom' in result.stdout and inventory_hostname == 'h3'"):
            await ftl.targets.command(cmd="echo boom")
        with runner.task("after"):
            await ftl.targets.command(cmd="echo after")
    return 0
