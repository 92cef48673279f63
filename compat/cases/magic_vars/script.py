JOB = (
    "{{ ansible_check_mode }} {{ ansible_diff_mode }} {{ ansible_verbosity }} {{ ansible_forks }} {{ ansible_run_tags }}"
    " {{ ansible_skip_tags }} {{ ansible_limit }} {{ ansible_config_file }} {{ ansible_version.full }} {{ ansible_version.major }}"
)
HOST = (
    "{{ inventory_hostname }} {{ inventory_hostname_short }} {{ group_names }} {{ ansible_host }} {{ ansible_play_name }}"
    " {{ ansible_play_hosts_all }} {{ ansible_play_batch }}"
)
ROLES = "{{ ansible_play_name }} {{ ansible_play_role_names }} {{ ansible_role_names }} {{ ansible_dependent_role_names }} {{ role_names }}"
OTHERS = "{{ hostvars['db1'].group_names }} {{ hostvars['web3'].inventory_hostname }} {{ hostvars['web2']['ansible_host'] }}"


async def run(inventory_path, extravars, runner):
    async with runner.automation():
        for play in runner.serial_play("batches", hosts="all", serial=2):
            with runner.task("the host and its play"):
                await play.debug(msg=HOST)

        with runner.play("a failure", hosts="all") as play:
            with runner.task("web2 fails", when="inventory_hostname == 'web2'"):
                await play.fail(msg="out of the play")
            with runner.task("the hosts still in the play"):
                await play.debug(msg="{{ ansible_play_hosts }} {{ ansible_play_batch }} {{ ansible_play_hosts_all }}")

        with runner.play(hosts="app") as play:
            with runner.task("groups, over a magic variable"):
                await play.debug(var="groups")
            with runner.task("one group"):
                await play.debug(var="groups['app']")
            with runner.task("the job"):
                await play.debug(msg=JOB)
            with runner.task("where things are"):
                await play.debug(msg="{{ inventory_dir }} {{ inventory_file }} {{ playbook_dir }} {{ ansible_inventory_sources }}")
            with runner.task("no roles in a script"):
                await play.debug(msg=ROLES)
            with runner.task("hostvars of other hosts"):
                await play.debug(msg=OTHERS)
            with runner.task("groups in a condition", when="groups['web'] | length > 2 and inventory_hostname in groups['app']"):
                await play.command(cmd="echo more than two web hosts")
            with runner.task("omit leaves an argument out"):
                await play.file(path="{{ playbook_dir }}/../omitted", state="touch", mode="{{ omit }}")
    return 0
