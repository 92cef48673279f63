import os


async def run(inventory_path, extravars, runner):
    base = os.environ["COMPAT_HTTP_URL"]
    # One path for every host: the mixed tasks below take one set of arguments.
    shared = os.path.join(os.path.dirname(runner.script_path), "..", "shared")

    source = os.path.join(os.path.dirname(runner.script_path), "files", "greeting.txt")

    def at(name):
        return os.path.join(shared, name)

    async with runner.automation() as ftl:
        with runner.task("the shared directory", run_once=True):
            await ftl.mixed.file(path=shared, state="directory")
        with runner.task("write once", run_once=True):
            await ftl.mixed.copy(content="hello\n", dest=at("hello.txt"))
        with runner.task("copy once", run_once=True):
            await ftl.mixed.copy(src=source, dest=at("greeting.txt"))
        with runner.task("render once", run_once=True):
            await ftl.mixed.template(src="greeting.j2", dest=at("rendered"), greeting="hello")
        with runner.task("download once", run_once=True):
            await ftl.mixed.get_url(url=f"{base}/hello.txt", dest=at("got.txt"))
        with runner.task("write on every host"):
            await ftl.mixed.copy(content="hello\n", dest=at("hello.txt"))
        with runner.task("copy on every host"):
            await ftl.mixed.copy(src=source, dest=at("greeting.txt"))
        with runner.task("a change predicted on every host", check_mode=True, diff=True):
            await ftl.mixed.copy(content="bye\n", dest=at("hello.txt"))
        with runner.task("render on every host"):
            await ftl.mixed.template(src="greeting.j2", dest=at("rendered"), greeting="hello")
        with runner.task("a new rendering predicted on every host", check_mode=True, diff=True):
            await ftl.mixed.template(src="greeting.j2", dest=at("rendered-new"), greeting="bye")
        with runner.task("get a page on every host"):
            await ftl.mixed.uri(url=f"{base}/hello.txt", return_content=True)
        with runner.task("download on every host"):
            await ftl.mixed.get_url(url=f"{base}/hello.txt", dest=at("got.txt"))
    return 0
