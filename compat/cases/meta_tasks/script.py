async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play("end_host", hosts="all") as play:
            await play.command(cmd="echo before")
            with runner.task("stop r1", when='inventory_hostname == "r1"'):
                await runner.meta("end_host")
            await play.command(cmd="echo after")
        async with runner.play("the others", hosts="all") as play:

            @runner.handler("a handler")
            async def a_handler():
                await play.command(cmd="echo handled")

            await runner.meta("noop")
            with runner.task("reconnect"):
                await runner.meta("reset_connection")
            with runner.task("fail l1", when='inventory_hostname == "l1"'):
                await play.fail(msg="l1 fails")
            await runner.meta("clear_host_errors")
            with runner.task("back again", notify="a handler"):
                await play.command(cmd="echo back")
            with runner.task("run the handlers now"):
                await runner.meta("flush_handlers")
            await play.command(cmd="echo after the handlers")
        for play in runner.serial_play("batches", hosts="all", serial=1):
            await play.command(cmd="echo in a batch")
            with runner.task(when='inventory_hostname == "l1"'):
                await runner.meta("end_batch")
            await play.command(cmd="echo rest of the batch")
        with runner.play("end_play", hosts="all") as play:
            await runner.meta("end_play")
            await play.command(cmd="echo never")
    return 0
