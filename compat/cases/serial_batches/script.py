async def run(inventory_path, extravars, runner):
    async with runner.automation():
        for play in runner.serial_play(hosts="targets", serial=2):
            with runner.task("one"):
                await play.command(cmd="echo one")
            with runner.task("two"):
                await play.debug(msg="hi")
    return 0
