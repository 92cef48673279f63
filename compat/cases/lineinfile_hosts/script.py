import os


async def run(inventory_path, extravars, runner):
    project = os.path.dirname(runner.script_path)
    hosts = os.path.join(project, "..", "inventory", "hosts")
    async with runner.automation() as ftl:
        with runner.task("a line in the shared file"):
            await ftl.web.lineinfile(path=hosts, regexp="^web2 ", line="web2 ansible_connection=ssh")
        with runner.task("a file per host"):
            await ftl.web.lineinfile(path=project + "/{{ inventory_hostname }}.conf", line="name = {{ inventory_hostname }}", create=True)
        with runner.task("lines from a loop"):
            async for item in runner.loop(["# one", "web1 ansible_connection=local"]):
                await ftl.web.lineinfile(path=hosts, insertafter=r"^\[web\]", line=item)
    return 0
