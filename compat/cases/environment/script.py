async def run(inventory_path, extravars, runner):
    async with runner.automation():
        play_vars = {"greeting": "hello", "out": "{{ playbook_dir }}/../out-{{ inventory_hostname }}"}
        play_env = {"PLAY_VAR": "play {{ inventory_hostname }}", "SHARED": "play"}
        with runner.play(hosts="all", vars=play_vars, environment=play_env) as play:
            with runner.task("a task's environment over the play's", environment={"TASK_VAR": "{{ greeting }} task", "SHARED": "task"}):
                await play.command(cmd="printenv PLAY_VAR TASK_VAR SHARED")

            async def block():
                with runner.task("in a block"):
                    await play.shell(cmd='echo "$PLAY_VAR/$BLOCK_VAR/$SHARED"')
                with runner.task("a task in a block", environment={"SHARED": "task"}):
                    await play.shell(cmd='echo "$BLOCK_VAR/$SHARED"')

            await runner.block(block, environment={"BLOCK_VAR": "block", "SHARED": "block"})
            with runner.task("a script sees it", environment={"SCRIPT_VAR": "for {{ inventory_hostname }}"}):
                await play.script(cmd="files/env.sh")
            with runner.task("a module sees it", environment={"OUT_DIR": "{{ out }}"}):
                await play.file(path="$OUT_DIR", state="directory")
            with runner.task("another module", environment={"OUT_DIR": "{{ out }}"}):
                await play.stat(path="$OUT_DIR", get_checksum=False)
            with runner.task("only the play's"):
                await play.shell(cmd='echo "${PLAY_VAR:-unset} ${TASK_VAR:-unset}"')
    return 0
