import os


async def run(inventory_path, extravars, runner):
    top = os.path.join(os.path.dirname(runner.script_path), "..")
    hosts = os.path.join(top, "inventory", "hosts")

    def at(name):
        return lambda v: os.path.join(top, name.format(host=v.inventory_hostname))

    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.remotes.file(path=at("out-{host}"), state="directory")
        with runner.task("write a new file"):
            await ftl.remotes.copy(content="hello\n", dest=at("new-{host}.txt"))
        with runner.task("copy a new file"):
            await ftl.remotes.copy(src=hosts, dest=at("hosts-{host}"))
        with runner.task("copy a file onto itself"):
            await ftl.remotes.copy(src=hosts, dest=hosts)
        with runner.task("render a new file"):
            await ftl.remotes.template(src=hosts, dest=at("rendered-{host}"))
        with runner.task("render a file onto itself"):
            await ftl.remotes.template(src=hosts, dest=hosts)
        with runner.task("nothing was written"):
            await ftl.remotes.stat(path=at("new-{host}.txt"))
    return 0
