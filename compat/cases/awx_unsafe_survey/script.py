hosts: all


async def run(inventory_path, extravars, runner):
    import os

    project = os.path.dirname(runner.script_path)
    answer = extravars["answer"]
    async with runner.automation() as ftl:
        with runner.task("in a message"):
            await ftl.debug(msg=f"answer {answer} on {{{{ inventory_hostname }}}}")
        with runner.task("the variable itself"):
            await ftl.debug(var="answer")
        with runner.task("nested launch var"):
            await ftl.debug(msg="{{ launched.key[0] }} and {{ launched.key[1] }}")
        with runner.task("meta vars"):
            await ftl.debug(msg="job {{ awx_job_id }} of {{ awx_job_template_name }} by {{ tower_user_name }}, {{ jt_plain }}")
        with runner.task("in a module argument", register="echoed"):
            echoed = await ftl.command(cmd=f"echo {answer}")
        with runner.task("the registered result"):
            await ftl.debug(msg=echoed["localhost"].stdout)
        with runner.task("in a condition", when="answer.endswith('}}')"):
            await ftl.debug(msg="the answer ends with braces")
        with runner.task("copied into a fact"):
            await ftl.set_fact(copied="{{ answer }}")
        with runner.task("the fact"):
            await ftl.debug(msg="copied {{ copied }}")
        with runner.task("in a template"):
            await ftl.template(src=os.path.join(project, "files", "answer.j2"), dest=os.path.join(project, "answer.txt"), answer=answer)
        with runner.task("what the template wrote"):
            await ftl.command(cmd=f"cat {project}/answer.txt")
    return 0
