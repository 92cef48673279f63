import os


async def run(inventory_path, extravars, runner):
    top = os.path.join(os.path.dirname(runner.script_path), "..")

    def out(name):
        return lambda v: os.path.join(top, f"out-{v.inventory_hostname}", name)

    source = (
        "host = {{ '{{' }} inventory_hostname {{ '}}' }}\n{% raw %}{% if greeting is defined %}{% endraw %}\n"
        "greeting = {{ '{{' }} greeting {{ '}}' }}\n{% raw %}{% endif %}{% endraw %}\n"
    )
    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.remotes.file(path=lambda v: os.path.join(top, f"out-{v.inventory_hostname}"), state="directory")
        with runner.task("write a file"):
            await ftl.remotes.copy(content="one\ntwo\n", dest=out("f.txt"))
        with runner.task("write it again"):
            await ftl.remotes.copy(content="one\ntwo\n", dest=out("f.txt"))
        with runner.task("change it"):
            await ftl.remotes.copy(content="one\nthree\n", dest=out("f.txt"))
        with runner.task("copy a file over it"):
            await ftl.remotes.copy(src=os.path.join(top, "inventory", "hosts"), dest=out("f.txt"))
        with runner.task("write a template source"):
            await ftl.remotes.copy(content=source, dest=out("t.j2"))
        with runner.task("render a template"):
            await ftl.remotes.template(src=out("t.j2"), dest=out("rendered"))
        with runner.task("render it again"):
            await ftl.remotes.template(src=out("t.j2"), dest=out("rendered"))
        with runner.task("render it with a variable"):
            await ftl.remotes.template(src=out("t.j2"), dest=out("rendered"), greeting="hello")
    return 0
