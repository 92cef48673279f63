async def run(inventory_path, extravars, runner):
    async with runner.automation():
        async with runner.play("targets", hosts="targets") as targets:

            @runner.handler("restart app")
            async def restart_app():
                await targets.command(cmd="echo restarting")

            @runner.handler("reload app")
            async def reload_app():
                await targets.command(cmd="echo reloading")

            with runner.task("change on h1 only", changed_when='inventory_hostname == "h1"', notify="restart app"):
                await targets.command(cmd="echo config")
            with runner.task("change everywhere", notify=["reload app", "restart app"]):
                await targets.command(cmd="echo other")
            with runner.task("after", changed_when=False):
                await targets.command(cmd="echo after")
    return 0
