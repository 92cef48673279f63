async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play("targets", hosts="targets") as targets:
            with runner.task("wait once", register="waited"):
                await targets.pause(seconds=1)
            with runner.task("who has it"):
                await targets.debug(msg="{{ waited is defined }}")
            with runner.task("after"):
                await targets.command(cmd="echo after")
    return 0
