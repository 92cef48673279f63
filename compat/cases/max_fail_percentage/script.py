async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="targets", max_fail_percentage=30) as play:
            with runner.task("one host fails", when='inventory_hostname == "h1"'):
                await play.command(cmd="false")
            with runner.task("still under the limit"):
                await play.command(cmd="echo on")
            with runner.task("one more fails", when='inventory_hostname == "h2"'):
                await play.command(cmd="false")
            with runner.task("over the limit"):
                await play.command(cmd="echo never")
    return 0
