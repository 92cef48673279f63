import os


async def run(inventory_path, extravars, runner):
    project = os.path.dirname(runner.script_path)
    source = os.path.join(project, "files", "greeting.j2")
    rendered = os.path.join(project, "files", "greeting.conf")
    async with runner.automation():
        with runner.play(hosts="targets") as play:
            with runner.task("same text, another mode", vars={"greeting": "hello"}):
                await play.template(src=source, dest=rendered, mode="0600")
            with runner.task("same text, same mode", vars={"greeting": "hello"}):
                await play.template(src=source, dest=rendered, mode="0644")
            with runner.task("same text, owner and group as they are", vars={"greeting": "hello"}):
                await play.template(src=source, dest=rendered, owner="root", group="root")
            with runner.task("same text, another group", vars={"greeting": "hello"}):
                await play.template(src=source, dest=rendered, group="daemon")
            with runner.task("other text, another mode", vars={"greeting": "bonjour"}):
                await play.template(src=source, dest=rendered, mode="0600")
            with runner.task("a new file with a mode", vars={"greeting": "hello"}):
                await play.template(src=source, dest=os.path.join(project, "greeting.new"), mode="0640")
    return 0
