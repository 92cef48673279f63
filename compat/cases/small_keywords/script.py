async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="all") as play:
            with runner.task("never", when=False):
                await play.command(cmd="echo no")
            with runner.task("assert through the play"):
                await play.assert_(that=["1 == 1"])
            with runner.task("assert by its full name"):
                await play.ansible.builtin.assert_(that=["2 == 2"])
            with runner.task("a secret failure", no_log=True, ignore_errors=True):
                await play.command(cmd="/bin/false")
    return 0
