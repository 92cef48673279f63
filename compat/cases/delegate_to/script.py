async def run(inventory_path, extravars, runner):
    async with runner.automation():
        async with runner.play("targets", hosts="targets") as targets:
            with runner.task("on the controller, for each host", delegate_to="localhost"):
                await targets.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("a debug delegated", delegate_to="localhost"):
                await targets.debug(msg="for {{ inventory_hostname }}")
            with runner.task("on an inventory host", delegate_to="{{ 'db' }}", when='inventory_hostname == "h2"'):
                await targets.command(cmd="echo {{ inventory_hostname }} on db")
    return 0
