async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="all") as play:
            with runner.task("two hosts at a time"):
                await play.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("one host at a time", throttle=1):
                await play.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("a throttle over the forks", throttle=3):
                await play.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("the forks"):
                await play.debug(msg="{{ ansible_forks }}")
    return 0
