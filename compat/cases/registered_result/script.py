async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("marker", register="marker"):
            marker = await ftl.localhost.command(cmd="echo ready")
        with runner.task("go on when ready", when=lambda: marker.stdout == "ready"):
            await ftl.localhost.command(cmd="echo going")
        with runner.task("wait when busy", when=lambda: marker.stdout == "busy"):
            await ftl.localhost.command(cmd="echo waiting")
        with runner.task("show the result"):
            await ftl.localhost.debug(var="marker")
    return 0
