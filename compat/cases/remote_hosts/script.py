import os


async def run(inventory_path, extravars, runner):
    top = os.path.join(os.path.dirname(runner.script_path), "..")
    async with runner.automation() as ftl:
        with runner.task("reach them"):
            await ftl.remotes.ping()
        with runner.task("run a command"):
            await ftl.remotes.command(cmd="echo hello")
        with runner.task("gather a fact"):
            await ftl.remotes.setup(filter="ansible_system")
        with runner.task("use it"):
            await ftl.remotes.debug(var="ansible_facts['system']")
        with runner.task("only where the fact says Linux", when='ansible_facts[\'system\'] == "Linux" and inventory_hostname == "r2"'):
            await ftl.remotes.command(cmd="echo linux")
        with runner.task("a file"):
            await ftl.remotes.file(path=lambda v: f"{top}/touched-{v.inventory_hostname}", state="touch")
        with runner.task("look at it"):
            await ftl.remotes.stat(path=lambda v: f"{top}/touched-{v.inventory_hostname}")
    return 0
