VARS = {
    "who": "world",
    "ports": [80, 443],
    "lk_one": 1,
    "lk_two": "{{ who }}!",
    "users": [{"name": "alice", "groups": ["wheel", "dev"]}, {"name": "bob", "groups": ["dev"]}],
}

SHOWN = {
    "file": (
        "{{ [lookup('file', 'greet.txt'), query('file', 'greet.txt'), "
        "lookup('file', 'greet.txt', 'notes.txt'), lookup('file', 'padded.txt', rstrip=false), "
        "lookup('file', 'padded.txt', lstrip=true), lookup('ansible.builtin.file', 'conf/a.conf'), "
        "q('file', 'files/notes.txt')] }}"
    ),
    "env": (
        "{{ [lookup('env', 'LOOKUP_GREETING'), query('env', 'LOOKUP_GREETING', 'LOOKUP_LIST'), "
        "lookup('env', 'LOOKUP_NOT_SET', default='fallback'), "
        "lookup('env', 'LOOKUP_NOT_SET') | default('unset'), lookup('env', 'LOOKUP_LIST')] }}"
    ),
    "template": (
        "{{ [lookup('template', 'motd.j2'), query('template', 'motd.j2', template_vars={'extra': 'given'}), "
        "lookup('template', 'motd.j2', trim_blocks=false)] }}"
    ),
    "vars and varnames": (
        "{{ [lookup('vars', 'who'), query('vars', 'lk_one', 'lk_two'), "
        "lookup('vars', 'nope', default='dflt'), lookup('vars', 'nope') | default('undefined'), "
        "query('varnames', '^lk_'), lookup('varnames', '^user', '^port')] }}"
    ),
    "items, list, dict, indexed_items": (
        "{{ [lookup('items', [1, [2, 3]]), query('items', 'a', ['b', ['c']]), lookup('list', 1, 2), "
        "query('list', [1, 2]), lookup('dict', {'a': 1, 'b': {'c': 2}}), query('dict', {'x': 1}), "
        "lookup('indexed_items', ['a', 'b']), query('indexed_items', 'x')] }}"
    ),
    "sequence, subelements, together, nested": (
        "{{ [lookup('sequence', 'start=1 end=3'), "
        "query('sequence', 'count=3 start=0 stride=2 format=h%02d'), query('sequence', '2-6/2'), "
        "query('sequence', start=5, end=7), query('subelements', users, 'groups'), "
        "lookup('together', [1, 2, 3], ['a']), query('nested', ['x', 'y'], [1, 2]), "
        "lookup('nested', ['p'], ports)] }}"
    ),
    "fileglob and first_found": (
        "{{ [query('fileglob', 'conf/*.conf') | map('basename'), "
        "lookup('fileglob', '*.txt') | split(',') | map('basename') | sort, query('fileglob', 'nomatch/*'), "
        "lookup('first_found', ['missing.txt', 'notes.txt']) | basename, "
        "query('first_found', {'files': ['a.conf', 'b.conf'], 'paths': ['files/conf']}) | map('basename'), "
        "query('first_found', ['missing.txt'], skip=true), "
        "lookup('first_found', 'greet.txt') == playbook_dir ~ '/files/greet.txt'] }}"
    ),
    "pipe and lines run on the controller": (
        "{{ [lookup('pipe', 'pwd') == playbook_dir, lookup('pipe', 'printf \"x\\\\n\\\\n\"'), "
        "query('pipe', 'echo one', 'echo two'), query('lines', 'printf \"a\\\\nb\\\\n\"'), "
        "lookup('lines', 'cat files/greet.txt')] }}"
    ),
    "inventory_hostnames, config, password, random_choice, unvault": (
        "{{ [query('inventory_hostnames', 'all'), lookup('inventory_hostnames', 'remotes:locals'), "
        "query('inventory_hostnames', 'all:!locals'), lookup('config', 'DEFAULT_BECOME_USER'), "
        "query('config', 'DEFAULT_BECOME_METHOD', 'COLOR_OK'), "
        "lookup('password', '/dev/null seed=fixed length=12'), "
        "lookup('password', '/dev/null seed=fixed chars=digits length=6'), lookup('random_choice', 'only'), "
        "lookup('random_choice', 'a', 'b') in ['a', 'b'], lookup('unvault', 'notes.txt')] }}"
    ),
    "a password file is written once and read back": (
        "{{ [lookup('password', 'credentials/' ~ inventory_hostname ~ ' seed=one length=10'), "
        "lookup('password', 'credentials/' ~ inventory_hostname ~ ' seed=two length=10')] }}"
    ),
    "wantlist and errors": (
        "{{ [lookup('items', ['x'], wantlist=True), lookup('sequence', 'count=2', wantlist=true), "
        "lookup('file', 'nope.txt', errors='ignore'), query('file', 'nope.txt', errors='ignore'), "
        "lookup('list', wantlist=True)] }}"
    ),
    "errors=warn": "{{ [lookup('file', 'nope.txt', errors='warn'), query('file', 'nope.txt', errors='warn')] }}",
}

FAILING = {
    "an unknown lookup": "{{ lookup('nosuch', 'x') }}",
    "an unknown fully qualified lookup": "{{ query('ansible.builtin.nosuch') }}",
    "a missing file": "{{ lookup('file', 'nope.txt') }}",
    "a failing command": "{{ lookup('pipe', 'exit 3') }}",
    "an unset environment variable is empty": "{{ lookup('env', 'LOOKUP_NOT_SET') }}",
}


async def run(inventory_path, extravars, runner):
    async with runner.automation():
        for name, pattern in (("lookups on a local host", "locals"), ("lookups on an SSH host run on the controller", "remotes")):
            with runner.play(name, hosts=pattern, vars=VARS) as play:
                for task, msg in SHOWN.items():
                    with runner.task(task):
                        await play.debug(msg=msg)
                for task, msg in FAILING.items():
                    with runner.task(task, ignore_errors=True):
                        await play.debug(msg=msg)
                with runner.task("a lookup in a module argument runs on the controller"):
                    await play.command(
                        cmd="echo {{ lookup('file', 'greet.txt').splitlines() | join(' ') }} {{ lookup('pipe', 'basename $PWD') }}"
                    )
                condition = "lookup('env', 'LOOKUP_GREETING') == 'hello' and 'greet.txt' in query('fileglob', '*.txt') | map('basename')"
                with runner.task("a lookup in a condition", when=condition):
                    await play.debug(msg="the controller has greet.txt")
                with runner.task("a false condition", when="query('first_found', ['missing.txt'], skip=True) | length > 0"):
                    await play.debug(msg="never")
                with runner.task("a loop over query"):
                    async for _ in runner.loop("{{ query('sequence', 'start=1 end=3 format=n%d') }}"):
                        await play.debug(msg="{{ item }}")
                with runner.task("a loop over a file's lines"):
                    async for _ in runner.loop("{{ query('lines', 'cat files/greet.txt') }}"):
                        await play.debug(msg="{{ item }}")
                with runner.task("a loop over lookup with wantlist"):
                    async for _ in runner.loop("{{ lookup('dict', {'a': 1, 'b': 2}, wantlist=True) }}"):
                        await play.command(cmd="echo {{ item.key }}={{ item.value }}")
                with runner.task("a lookup's result is not templated again"):
                    await play.set_fact(envvar="{{ lookup('env', 'LOOKUP_GREETING') }}", greeting="{{ lookup('file', 'greet.txt') }}")
                with runner.task("what was set"):
                    await play.debug(msg="{{ greeting }} / {{ envvar }}")
    return 0
