async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="nosuchgroup") as play:
            with runner.task("never runs"):
                await play.command(cmd="echo nothing")
    return 0
