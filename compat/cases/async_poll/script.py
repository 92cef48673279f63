async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="all") as play:
            with runner.task("polled to the end", async_=30, poll=4):
                await play.shell(cmd="sleep 1; echo done")
            with runner.task("checked while it runs", async_=30, poll=6, when='inventory_hostname == "l1"'):
                await play.shell(cmd="sleep 10; echo done")
            with runner.task("fire and forget", async_=30, poll=0, register="fired"):
                await play.shell(cmd="sleep 15; echo fired")
            with runner.task("wait for it", register="job", until="job.finished", retries=5, delay=20):
                await play.async_status(jid="{{ fired.ansible_job_id }}")
            with runner.task("an async failure", async_=10, poll=1, ignore_errors=True):
                await play.command(cmd="/bin/false")
            with runner.task("too slow", async_=1, poll=5, ignore_errors=True):
                await play.command(cmd="sleep 15")
            with runner.task("after"):
                await play.command(cmd="echo after")
    return 0
