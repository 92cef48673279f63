hosts: all


async def run(inventory_path, extravars, runner):
    import os

    project = os.path.dirname(runner.script_path)
    async with runner.automation() as ftl:
        with runner.task("before the start", tags=["files"]):
            await ftl.debug(msg="skipped by start at task")
        with runner.task("write a file", tags=["files"]):
            await ftl.copy(content="new content\n", dest=os.path.join(project, "written.txt"))
        with runner.task("a slow task", tags=["files", "slow"]):
            await ftl.command(cmd="sleep 1")
        with runner.task("untagged"):
            await ftl.debug(msg="not selected")
        with runner.task("report", tags=["report"]):
            await ftl.debug(msg="check mode {{ ansible_check_mode }}, diff {{ ansible_diff_mode }}")
    return 0
