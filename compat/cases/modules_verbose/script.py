import os


async def run(inventory_path, extravars, runner):
    project = os.path.dirname(runner.script_path)
    out = os.path.join(project, "..", "out")
    source, conf = os.path.join(out, "t.j2"), os.path.join(out, "conf")
    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.localhost.file(path=out, state="directory")
        with runner.task("write a template source"):
            await ftl.localhost.copy(content="port = {{ '{{' }} web_port {{ '}}' }}\n", dest=source)
        with runner.task("render it"):
            await ftl.localhost.template(src=source, dest=conf, web_port=80)
        with runner.task("a skipped command"):
            await ftl.localhost.command(cmd="touch x", creates=project)
        with runner.task("run a script"):
            await ftl.localhost.script(cmd=source, executable="/bin/cat")
        with runner.task("an assertion"):
            await ftl.localhost.assert_(that="web_port == 80")
        with runner.task("wait for a file"):
            await ftl.localhost.wait_for(path=conf)
        with runner.task("download"):
            await ftl.localhost.get_url(url=f"file://{conf}", dest=os.path.join(out, "conf.copy"))
    return 0
