import os


async def run(inventory_path, extravars, runner):
    top = os.path.join(os.path.dirname(runner.script_path), "..")

    def out(name):
        return lambda v: os.path.join(top, f"out-{v.inventory_hostname}", name)

    hosts = os.path.join(top, "inventory", "hosts")
    source = "host = {{ '{{' }} inventory_hostname {{ '}}' }}\ngreeting = {{ '{{' }} greeting {{ '}}' }}\n"
    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.remotes.file(path=lambda v: os.path.join(top, f"out-{v.inventory_hostname}"), state="directory")
        with runner.task("write a file"):
            await ftl.remotes.copy(content="hello\n", dest=out("hello.txt"))
        with runner.task("write it again"):
            await ftl.remotes.copy(content="hello\n", dest=out("hello.txt"))
        with runner.task("copy a file"):
            await ftl.remotes.copy(src=hosts, dest=out("hosts"))
        with runner.task("copy it again"):
            await ftl.remotes.copy(src=hosts, dest=out("hosts"))
        with runner.task("write a template source"):
            await ftl.remotes.copy(content=source, dest=out("t.j2"))
        with runner.task("render a template"):
            await ftl.remotes.template(src=out("t.j2"), dest=out("rendered"), greeting="hello")
        with runner.task("render it again"):
            await ftl.remotes.template(src=out("t.j2"), dest=out("rendered"), greeting="hello")
    return 0
