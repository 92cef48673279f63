import os


async def run(inventory_path, extravars, runner):
    out = os.path.join(os.path.dirname(runner.script_path), "..", "out")
    conf, source, rendered = (os.path.join(out, name) for name in ("conf", "t.j2", "rendered"))
    block = "user = web\ngroup = web\n"
    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.localhost.file(path=out, state="directory")
        with runner.task("add a line"):
            await ftl.localhost.lineinfile(path=conf, line="port = 80", create=True)
        with runner.task("the line is there"):
            await ftl.localhost.lineinfile(path=conf, line="port = 80")
        with runner.task("replace a line"):
            await ftl.localhost.lineinfile(path=conf, regexp="^port", line="port = 8080")
        with runner.task("add a block"):
            await ftl.localhost.blockinfile(path=conf, block=block)
        with runner.task("the block is there"):
            await ftl.localhost.blockinfile(path=conf, block=block)
        with runner.task("write a template source"):
            await ftl.localhost.copy(content="greeting = {{ '{{' }} greeting {{ '}}' }}\n", dest=source)
        with runner.task("render a template"):
            await ftl.localhost.template(src=source, dest=rendered, greeting="hello")
        with runner.task("render it again"):
            await ftl.localhost.template(src=source, dest=rendered, greeting="hello")
    return 0
