import os


async def run(inventory_path, extravars, runner):
    top = os.path.join(os.path.dirname(runner.script_path), "..")
    async with runner.automation():
        async with runner.play("targets", hosts="targets") as targets:
            with runner.task("write a secret", no_log=True):
                await targets.copy(content="password=SECRET-COPY\n", dest=top + "/secret-{{ inventory_hostname }}.txt")
            with runner.task("add a secret line", no_log=True):
                await targets.lineinfile(path=top + "/secret-{{ inventory_hostname }}.txt", line="token=SECRET-LINE")
    return 0
