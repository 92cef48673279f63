async def run(inventory_path, extravars, runner):
    async with runner.automation():
        async with runner.play("targets", hosts="targets") as targets:
            with runner.task("on the controller, for each host", delegate_to="localhost"):
                await targets.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("a debug delegated", delegate_to="localhost"):
                await targets.debug(msg="for {{ inventory_hostname }}")
            with runner.task("on an inventory host", delegate_to="{{ 'db' }}", when='inventory_hostname == "h2"'):
                await targets.command(cmd="echo {{ inventory_hostname }} on db")
            retried = {"register": "r", "until": 'r.stdout == "never"', "retries": 1, "delay": 0, "ignore_errors": True}
            with runner.task("delegated retries", delegate_to="localhost", when='inventory_hostname == "h1"', **retried):
                await targets.command(cmd="echo {{ inventory_hostname }}")
    return 0
