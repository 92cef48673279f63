async def run(inventory_path, extravars, runner):
    async with runner.automation():
        async with runner.play("targets", hosts="targets") as targets:

            @runner.handler("secret handler")
            async def secret_handler():
                with runner.task(no_log=True):
                    await targets.command(cmd="echo SECRET-HANDLER")

            retried = {"register": "retried", "until": 'retried.stdout == "never"', "retries": 1, "delay": 0}
            with runner.task("retried secret", ignore_errors=True, no_log=True, **retried):
                await targets.command(cmd="echo SECRET-RETRY")
            with runner.task("looped secret", no_log=True):
                async for item in runner.loop(["SECRET-ITEM-A", "SECRET-ITEM-B"]):
                    await targets.command(cmd=f"echo {item}")
            with runner.task("labelled secret loop", no_log=True):
                async for item in runner.loop([{"name": "one", "value": "SECRET-LABEL"}], label="{{ item.name }}"):
                    await targets.command(cmd=f"echo {item['value']}")
            with runner.task("failing secret loop", no_log=True, ignore_errors=True):
                async for item in runner.loop(["SECRET-LOOP-FAIL"]):
                    await targets.shell(cmd=f"echo {item}; exit 3")
            with runner.task("skipped secret", when='inventory_hostname == "nobody"', no_log=True):
                await targets.command(cmd="echo SECRET-SKIPPED")
            with runner.task("failing secret", no_log=True, ignore_errors=True):
                await targets.shell(cmd="echo SECRET-FAIL; exit 3")
            with runner.task("delegated secret", delegate_to="localhost", no_log=True):
                await targets.command(cmd="echo SECRET-DELEGATED")
            with runner.task("once secret", run_once=True, register="once", no_log=True, notify="secret handler"):
                await targets.command(cmd="echo SECRET-ONCE")
            with runner.task("print the registered secret"):
                await targets.debug(var="once.stdout")
    return 0
