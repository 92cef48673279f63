"""The same deploy as playbook.yml, ported: the variables stay in group_vars/ and host_vars/, the templates in templates/."""


async def run(inventory_path, extravars, runner):
    async with runner.automation():
        async with runner.play("Deploy the web tier", hosts="web") as web:

            @runner.handler("reload nginx")
            async def reload_nginx():
                await web.command(cmd="echo reloading nginx for {{ server_names | join(' ') }}")

            with runner.task("Create the directories"):
                async for _ in runner.loop(["conf", "logs", "releases/{{ app_version }}/public"]):
                    await web.file(path="{{ deploy_root }}/{{ item }}", state="directory")
            with runner.task("Configure nginx", notify="reload nginx"):
                await web.template(src="nginx.conf.j2", dest="{{ deploy_root }}/conf/nginx.conf")
            with runner.task("Write the application environment"):
                await web.template(src="app.env.j2", dest="{{ deploy_root }}/conf/app.env", mode="0640")
            with runner.task("Record the release"):
                await web.copy(content="{{ app_version }}\n", dest="{{ deploy_root }}/releases/current")
            with runner.task("Check the server names", register="names_check", changed_when=False):
                await web.command(cmd="grep -c server_name {{ deploy_root }}/conf/nginx.conf")
            with runner.task("Show the upstreams"):
                await web.debug(
                    msg="{{ upstreams | selectattr('backup', 'undefined') | map(attribute='port') | list }} {{ names_check.stdout }}"
                )
            with runner.task("Announce the primary", when="is_primary | default(false)"):
                await web.debug(msg="{{ inventory_hostname }} serves {{ server_names | first }}")

        with runner.play("Configure the database", hosts="db") as db:
            with runner.task("Create the directory"):
                await db.file(path="{{ deploy_root }}/conf", state="directory")
            with runner.task("Configure PostgreSQL"):
                await db.template(src="postgresql.conf.j2", dest="{{ deploy_root }}/conf/postgresql.conf")
            with runner.task("Show the configuration"):
                await db.command(cmd="cat {{ deploy_root }}/conf/postgresql.conf")
    return 0
