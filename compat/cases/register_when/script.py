async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("marker", register="marker"):
            await ftl.targets.command(cmd="echo ready")
        with runner.task("show the marker"):
            await ftl.targets.debug(var="marker.stdout")
        with runner.task("branch", when='marker.stdout == "ready" and inventory_hostname != "h2"'):
            await ftl.targets.command(cmd="echo yes")
        with runner.task("never", when='marker.stdout == "busy"'):
            await ftl.targets.command(cmd="echo no")
    return 0
