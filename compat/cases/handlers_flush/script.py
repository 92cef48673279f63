async def run(inventory_path, extravars, runner):
    async with runner.automation():
        async with runner.play("targets", hosts="targets") as targets:

            @runner.handler("restart web", listen="web restarts")
            async def restart_web():
                await targets.command(cmd="echo web")

            @runner.handler("restart db")
            async def restart_db():
                await targets.command(cmd="echo db")

            with runner.task("change", notify="web restarts"):
                await targets.command(cmd="echo change")
            with runner.task("flush now"):
                await runner.flush_handlers()
            with runner.task("h2 fails", when='inventory_hostname == "h2"'):
                await targets.command(cmd="false")
            with runner.task("change again", notify="restart db"):
                await targets.command(cmd="echo again")
            with runner.task("nothing changes", changed_when=False, notify="restart web"):
                await targets.command(cmd="echo same")
    return 0
