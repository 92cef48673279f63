import os


async def run(inventory_path, extravars, runner):
    project = os.path.dirname(runner.script_path)
    source = os.path.join(project, "files", "greeting.j2")
    rendered = os.path.join(project, "files", "greeting.conf")
    async with runner.automation() as ftl:
        with runner.task("render to a new file"):
            await ftl.localhost.template(src=source, dest=os.path.join(project, "greeting.new"), greeting="hello")
        with runner.task("render onto the same text"):
            await ftl.localhost.template(src=source, dest=rendered, greeting="hello")
        with runner.task("render onto different text"):
            await ftl.localhost.template(src=source, dest=rendered, greeting="bonjour")
        with runner.task("nothing was written"):
            await ftl.localhost.stat(path=os.path.join(project, "greeting.new"))
    return 0
