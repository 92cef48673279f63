import os


async def run(inventory_path, extravars, runner):
    project = os.path.dirname(runner.script_path)

    def out(name):
        return lambda v: os.path.join(project, "..", f"out-{v.inventory_hostname}", name)

    async with runner.automation() as ftl:
        with runner.task("an empty directory in the source", run_once=True):
            await ftl.remotes.file(path=os.path.join(project, "files", "tree", "empty"), state="directory")
        with runner.task("copy what is inside a directory"):
            await ftl.remotes.copy(src="tree/", dest=out("contents"))
        with runner.task("copy the directory itself"):
            await ftl.remotes.copy(src="tree", dest=lambda v: out("itself")(v) + "/", mode="0640", directory_mode="0750")
        with runner.task("copy what is inside again"):
            await ftl.remotes.copy(src="tree/", dest=out("contents"))
        with runner.task("copy the directory itself again"):
            await ftl.remotes.copy(src="tree", dest=lambda v: out("itself")(v) + "/", mode="0640", directory_mode="0750")
        with runner.task("a nested file"):
            await ftl.remotes.stat(path=out("itself/tree/sub/deep/c.txt"), get_checksum=False)
        with runner.task("the empty directory"):
            await ftl.remotes.stat(path=out("itself/tree/empty"))
        with runner.task("the executable keeps its mode"):
            await ftl.remotes.stat(path=out("contents/run.sh"), get_checksum=False)
        with runner.task("a directory of one file"):
            await ftl.remotes.copy(src="tree/sub/deep", dest=out("one"))
        with runner.task("a change in check mode", check_mode=True):
            await ftl.remotes.copy(src="tree/", dest=out("never"))
        with runner.task("nothing was written"):
            await ftl.remotes.stat(path=out("never"))
    return 0
