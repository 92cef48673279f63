PLAY_VARS = {"url": "http://{{ endpoint }}/", "host_part": "{{ inventory_hostname }}.example.com"}


async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="web", vars=PLAY_VARS) as play:
            with runner.task("an inventory value that is a template"):
                await play.debug(var="app_dir")
            with runner.task("extra vars that are templates"):
                await play.debug(msg="{{ release_dir }}")
            with runner.task("a chain of three"):
                await play.debug(msg="{{ url }}")
            with runner.task("a template keeps its type"):
                await play.debug(msg="{{ http_port + 1 }}")
            with runner.task("templates inside a structure"):
                await play.debug(var="settings")
            with runner.task("set from a template, not templated again"):
                await play.set_fact(deployed_to="{{ release_dir }}", literal="{% raw %}{{ app_name }}{% endraw %}")
            with runner.task("the set facts"):
                await play.debug(msg="{{ deployed_to }} {{ literal }}")
            with runner.task("a task var that reads the others", vars={"summary": "{{ app_name }} at {{ deployed_to }}"}):
                await play.debug(msg="{{ summary }}")
            with runner.task("in a module argument"):
                await play.command(cmd="echo {{ release_dir }}")
            with runner.task("in a condition", when="app_dir.startswith('/srv/')"):
                await play.command(cmd="echo under srv")
            with runner.task("an undefined inner variable makes the variable undefined"):
                await play.debug(msg="{{ broken | default('fallback') }} {{ broken is defined }}")
    return 0
