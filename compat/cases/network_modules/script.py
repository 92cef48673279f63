import os


async def run(inventory_path, extravars, runner):
    top = os.path.join(os.path.dirname(runner.script_path), "..")
    out, hosts = os.path.join(top, "out"), os.path.join(top, "inventory", "hosts")
    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.localhost.file(path=out, state="directory")
        with runner.task("a closed port stays closed"):
            await ftl.localhost.wait_for(host="127.0.0.1", port=9, state="stopped", timeout=2)
        with runner.task("a file that is there"):
            await ftl.localhost.wait_for(path=hosts)
        with runner.task("a file that is not"):
            await ftl.localhost.wait_for(path=os.path.join(out, "missing"), state="absent")
        with runner.task("just wait"):
            await ftl.localhost.wait_for(timeout=1)
        with runner.task("download a file"):
            await ftl.localhost.get_url(url=f"file://{hosts}", dest=os.path.join(out, "hosts.copy"))
        with runner.task("download it again"):
            await ftl.localhost.get_url(url=f"file://{hosts}", dest=os.path.join(out, "hosts.copy"))
    return 0
