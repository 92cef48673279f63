async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play("first play", hosts="localhost") as play:
            with runner.task("in play one"):
                await play.command(cmd="echo one")
        with runner.play("second play", hosts="localhost") as play:
            with runner.task("in play two"):
                await play.command(cmd="echo two")
    return 0
