async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="all") as play:
            with runner.task("one host at a time", throttle=1):
                await play.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("two hosts at a time", throttle=2, environment={"GREETING": "hello"}):
                await play.shell(cmd="echo {{ inventory_hostname }} $GREETING")
            with runner.task("no limit", throttle=0):
                await play.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("a message", throttle=1):
                await play.debug(msg="{{ inventory_hostname }}")
    return 0
