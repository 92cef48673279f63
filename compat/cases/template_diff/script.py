import os


async def run(inventory_path, extravars, runner):
    project = os.path.dirname(runner.script_path)
    source = os.path.join(project, "files", "greeting.j2")
    dest = os.path.join(project, "greeting.conf")
    async with runner.automation() as ftl:
        with runner.task("render to a new file"):
            await ftl.localhost.template(src=source, dest=dest, greeting="hello")
        with runner.task("render it again"):
            await ftl.localhost.template(src=source, dest=dest, greeting="hello")
        with runner.task("render other text"):
            await ftl.localhost.template(src=source, dest=dest, greeting="bonjour")
    return 0
