async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="l1", strategy="free") as play:
            with runner.task("a command"):
                await play.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("a message"):
                await play.debug(msg="on {{ inventory_hostname }}")
        with runner.play(hosts="r1", strategy="free") as play:
            with runner.task("a command"):
                await play.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("skipped", when=False):
                await play.command(cmd="echo never")
    return 0
