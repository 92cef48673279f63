async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="targets", any_errors_fatal=True) as play:
            with runner.task("breaks", when='inventory_hostname == "h1"'):
                await play.command(cmd="false")
            with runner.task("never"):
                await play.command(cmd="echo never")
    return 0
