async def run(inventory_path, extravars, runner):
    on_h1, on_r1 = 'inventory_hostname == "h1"', 'inventory_hostname == "r1"'
    async with runner.automation():
        async with runner.play("targets", hosts="targets") as targets:
            with runner.task("on an SSH host, for each host", delegate_to="r1"):
                await targets.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("on an SSH host named by ansible_ssh_* variables", delegate_to="d1", when=on_h1):
                await targets.command(cmd="echo {{ inventory_hostname }} on d1")
            with runner.task("on an SSH host without a user", delegate_to="d2", when=on_h1):
                await targets.command(cmd="echo {{ inventory_hostname }} on d2")
            with runner.task("a debug delegated to an SSH host", delegate_to="r1"):
                await targets.debug(msg="for {{ inventory_hostname }}")
            with runner.task("a debug delegated to a host without connection variables", delegate_to="d3", when=on_h1):
                await targets.debug(msg="for {{ inventory_hostname }}")
            with runner.task("a debug delegated to a host outside the inventory", delegate_to="{{ 'elsewhere' }}", when=on_h1):
                await targets.debug(msg="for {{ inventory_hostname }}")
            with runner.task("from an SSH host to the controller", delegate_to="localhost", when=on_r1):
                await targets.command(cmd="echo {{ inventory_hostname }}")
    return 0
