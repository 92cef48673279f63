async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="echo unnamed task")
        with runner.task("a named task"):
            await ftl.localhost.command(cmd="echo named")
        with runner.play("Named play", hosts="targets") as play:
            await play.command(cmd="echo in named play")
    return 0
