import os


async def run(inventory_path, extravars, runner):
    base = os.environ["COMPAT_HTTP_URL"]
    top = os.path.join(os.path.dirname(runner.script_path), "..")

    def dest(v):
        return os.path.join(top, f"hello-{v.inventory_hostname}.txt")

    async with runner.automation() as ftl:
        with runner.task("get a page"):
            await ftl.remotes.uri(url=f"{base}/hello.txt", return_content=True)
        with runner.task("parse JSON"):
            await ftl.remotes.uri(url=f"{base}/data.json")
        with runner.task("a missing page is expected"):
            await ftl.remotes.uri(url=f"{base}/missing", status_code=404)
        with runner.task("download"):
            await ftl.remotes.get_url(url=f"{base}/hello.txt", dest=dest)
        with runner.task("download again"):
            await ftl.remotes.get_url(url=f"{base}/hello.txt", dest=dest)
    return 0
