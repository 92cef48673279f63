import os


async def run(inventory_path, extravars, runner):
    base = os.environ["COMPAT_HTTP_URL"]
    dest = os.path.join(os.path.dirname(runner.script_path), "..", "hello.txt")
    async with runner.automation() as ftl:
        with runner.task("get a page"):
            await ftl.localhost.uri(url=f"{base}/hello.txt", return_content=True)
        with runner.task("parse JSON"):
            await ftl.localhost.uri(url=f"{base}/data.json")
        with runner.task("a missing page is expected"):
            await ftl.localhost.uri(url=f"{base}/missing", status_code=404)
        with runner.task("download"):
            await ftl.localhost.get_url(url=f"{base}/hello.txt", dest=dest)
        with runner.task("download again"):
            await ftl.localhost.get_url(url=f"{base}/hello.txt", dest=dest)
    return 0
