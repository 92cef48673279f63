"""lookup()/query()/q() in the one template renderer: ansible-core 2.21's calling rules and plugins.

The compat case ``lookups`` compares every plugin with ansible-core on a local and an SSH host; these
check the rules one by one, the job-side parts (password files only in the data dir, vaulted files,
warnings into the host's next result) and that a lookup's result is never a template again.
"""

from __future__ import annotations

import os
import stat

import pytest

from ftl2_runner.data.unsafe import UnsafeText
from ftl2_runner.executor.vars.conditions import ConditionError, UndefinedVariable, holds, render
from ftl2_runner.executor.vars.lookup_support import JobLookups, job_lookups, take_template_warnings


@pytest.fixture
def project(tmp_path):
    (tmp_path / "files" / "conf").mkdir(parents=True)
    (tmp_path / "templates").mkdir()
    (tmp_path / "files" / "greet.txt").write_text("hello {{ who }}\nsecond\n")
    (tmp_path / "greet.txt").write_text("beside the playbook\n")
    (tmp_path / "only-here.txt").write_text("only beside\n")
    (tmp_path / "files" / "conf" / "a.conf").write_text("a\n")
    (tmp_path / "templates" / "t.j2").write_text("{{ who }} {{ extra | default('none') }}\n")
    return tmp_path


@pytest.fixture
def job(project):
    settings = JobLookups(data_dir=str(project))
    token = job_lookups.set(settings)
    yield settings
    job_lookups.reset(token)


def _vars(project, **more):
    return {"who": "world", "playbook_dir": str(project), "groups": {"all": ["a", "b"], "web": ["a"], "ungrouped": ["b"]}, **more}


def test_lookup_and_query_shapes(project, job):
    v = _vars(project)
    assert render("{{ lookup('file', 'greet.txt') }}", v) == "hello {{ who }}\nsecond"  # files/ first, rstripped
    assert render("{{ query('file', 'greet.txt') }}", v) == ["hello {{ who }}\nsecond"]
    assert render("{{ q('file', 'only-here.txt') }}", v) == ["only beside"]
    assert render("{{ lookup('file', 'greet.txt', 'only-here.txt') }}", v) == "hello {{ who }}\nsecond,only beside"
    assert render("{{ lookup('items', 1, [2, 3]) }}", v) == [1, 2, 3]  # not all strings: the list
    assert render("{{ lookup('items', ['x']) }}", v) == "x"  # one item: the item
    assert render("{{ lookup('items', ['x'], wantlist=True) }}", v) == ["x"]
    assert render("{{ lookup('list') }}", v) == []
    assert render("{{ lookup('sequence', 'start=1 end=3') }}", v) == "1,2,3"
    assert render("{{ query('sequence', start=2, end=4) }}", v) == ["2", "3", "4"]
    assert render("{{ lookup('ansible.builtin.together', [1, 2], [3]) }}", v) == [[1, 3], [2, None]]
    assert render("{{ q('ansible.legacy.nested', [1, [2]], ['a']) }}", v) == [[1, "a"], [2, "a"]]
    assert render("{{ query('indexed_items', ['a', 'b']) }}", v) == [(0, "a"), (1, "b")]
    assert render("{{ query('inventory_hostnames', 'all:!web') }}", v) == ["b"]
    assert render("{{ query('varnames', '^wh') }}", v) == ["who"]
    assert render("{{ lookup('vars', 'nope', default=3) }}", v) == 3


def test_errors_words_and_modes(project, job):
    v = _vars(project)
    with pytest.raises(ConditionError, match=r"^The lookup plugin 'nosuch' was not found\.$"):
        render("{{ lookup('nosuch', 'x') }}", v)
    with pytest.raises(ConditionError, match=r"^The lookup plugin 'nosuch' was not found\.$"):
        render("{{ lookup('nosuch', 'x', errors='ignore') }}", v)  # not found is not the plugin's error
    with pytest.raises(ConditionError, match=r"^The lookup plugin 'ansible.builtin.url' is not available in ftl2-runner"):
        render("{{ lookup('ansible.builtin.url', 'http://127.0.0.1/') }}", v)
    message = "The lookup plugin 'file' failed: Unable to access the file 'nope': File not found. Use -vvvvv to see paths searched."
    with pytest.raises(ConditionError) as caught:
        render("a {{ lookup('file', 'nope') }}", v)
    assert str(caught.value) == message
    with pytest.raises(ConditionError, match=r"lookup_plugin\.pipe\(exit 3\) returned 3"):
        render("{{ lookup('pipe', 'exit 3') }}", v)
    assert render("{{ [lookup('file', 'nope', errors='ignore'), query('file', 'nope', errors='ignore')] }}", v) == [None, []]
    assert take_template_warnings("h1") == []
    with pytest.raises(UndefinedVariable, match="'missing' is undefined"):
        render("{{ lookup('file', missing) }}", v)
    assert render("{{ lookup('vars', 'nope') | default('d') }}", v) == "d"
    with pytest.raises(UndefinedVariable, match="No variable named 'nope' was found."):
        render("{{ lookup('vars', 'nope') }}", v)


def test_warn_goes_into_the_hosts_next_result(project, job):
    from ftl2_runner.executor.vars.variables import HostVariables

    plane = HostVariables(lambda host: {"playbook_dir": str(project)}, {})
    view = plane.of("h1")
    assert render("{{ [lookup('file', 'nope', errors='warn'), lookup('file', 'nope', errors='warn')] }}", view) == [None, None]
    warning = (
        "An error occurred while running the lookup plugin 'file': "
        "Unable to access the file 'nope': File not found. Use -vvvvv to see paths searched."
    )
    assert take_template_warnings("h1") == [warning]  # once, as Display shows it
    assert take_template_warnings("h1") == []


def test_results_from_outside_are_never_templates(project, job, monkeypatch):
    monkeypatch.setenv("LOOKUP_TEST_VALUE", "{{ who }}")
    v = _vars(project)
    for template in (
        "{{ lookup('file', 'greet.txt') }}",
        "{{ lookup('env', 'LOOKUP_TEST_VALUE') }}",
        "{{ lookup('pipe', 'echo \"{{ where }}\"') }}",
    ):
        value = render(template, v)
        assert isinstance(value, UnsafeText) and "{{ w" in value
        assert render(value, v) == value  # passed on by a script: still not a template
    assert holds("'{{' in lookup('env', 'LOOKUP_TEST_VALUE')", v)
    assert render("{{ lookup('env', 'LOOKUP_NOT_SET_ANYWHERE') }}", v) == ""  # the plugin's default
    assert render("{{ lookup('template', 't.j2', template_vars={'extra': 'x'}) }}", v) == "world x\n"


def test_pipe_and_lines_run_in_the_playbook_directory(project, job):
    v = _vars(project)
    assert render("{{ lookup('pipe', 'pwd') }}", v) == str(project)
    assert render("{{ query('lines', 'cat files/greet.txt') }}", v) == ["hello {{ who }}", "second"]


def test_fileglob_and_first_found(project, job):
    v = _vars(project)
    assert render("{{ query('fileglob', 'conf/*.conf') }}", v) == [str(project / "files" / "conf" / "a.conf")]
    assert render("{{ lookup('first_found', ['nope', 'greet.txt']) }}", v) == str(project / "files" / "greet.txt")
    assert render("{{ query('first_found', {'files': ['x', 'a.conf'], 'paths': ['files/conf']}) }}", v) == [
        str(project / "files" / "conf" / "a.conf")
    ]
    assert render("{{ query('first_found', ['nope'], skip=True) }}", v) == []
    with pytest.raises(ConditionError, match="No file was found when using first_found."):
        render("{{ lookup('first_found', ['nope']) }}", v)


def test_password_is_ansibles_for_a_seed_and_kept_in_the_data_dir(project, job):
    v = _vars(project)
    # ansible-core 2.21.5 printed this for `lookup('password', '/dev/null seed=abc length=8')`.
    assert render("{{ lookup('password', '/dev/null seed=abc length=8') }}", v) == "6TTuIhBj"
    first = render("{{ lookup('password', 'creds/db seed=one length=10 chars=digits') }}", v)
    assert len(first) == 10 and first.isdigit()
    path = project / "creds" / "db"
    assert path.read_text() == first + "\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert render("{{ lookup('password', 'creds/db seed=two length=10') }}", v) == first  # read back, not made again
    outside = project.parent / f"{project.name}-outside" / "pw"
    with pytest.raises(ConditionError, match="only inside the job's private data dir"):
        render("{{ lookup('password', '" + str(outside) + "') }}", v)
    assert not outside.exists()
    with pytest.raises(ConditionError, match="does not support encrypt="):
        render("{{ lookup('password', '/dev/null encrypt=sha512_crypt') }}", v)


def test_unvault_and_file_decrypt_a_vaulted_file(project, job):
    from ftl2_runner.data.vault import VaultSecret, encrypt

    (project / "files" / "secret.txt").write_text(encrypt("the secret\n", "pw"))
    job.secrets = [VaultSecret("default", b"pw")]
    v = _vars(project)
    assert render("{{ lookup('unvault', 'secret.txt') }}", v) == "the secret\n"
    assert render("{{ lookup('file', 'secret.txt') }}", v) == "the secret"


def test_config_answers_defaults_and_refuses_the_rest(project, job, monkeypatch):
    v = _vars(project)
    monkeypatch.delenv("ANSIBLE_BECOME_USER", raising=False)
    assert render("{{ lookup('config', 'DEFAULT_BECOME_USER') }}", v) == "root"
    monkeypatch.setenv("ANSIBLE_TIMEOUT", "33")
    assert render("{{ query('config', 'DEFAULT_TIMEOUT', show_origin=True) }}", v) == [[33, "env: ANSIBLE_TIMEOUT"]]
    with pytest.raises(ConditionError, match="cannot answer the setting 'DEFAULT_ROLES_PATH'"):
        render("{{ lookup('config', 'DEFAULT_ROLES_PATH') }}", v)
    assert render("{{ query('config', 'DEFAULT_ROLES_PATH', on_missing='skip') }}", v) == []
