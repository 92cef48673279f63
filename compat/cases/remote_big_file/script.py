import os


async def run(inventory_path, extravars, runner):
    project = os.path.dirname(runner.script_path)

    def dest(v):
        return os.path.join(project, "..", f"big-{v.inventory_hostname}.bin")

    async with runner.automation() as ftl:
        with runner.task("a 60 MiB source", run_once=True):
            await ftl.remotes.shell(cmd="yes 0123456789abcdef | head -c 62914560 > {{ playbook_dir }}/big.bin")
        with runner.task("copy it"):
            await ftl.remotes.copy(src="big.bin", dest=dest)
        with runner.task("copy it again"):
            await ftl.remotes.copy(src="big.bin", dest=dest)
        with runner.task("what arrived"):
            await ftl.remotes.stat(path=dest)
    return 0
