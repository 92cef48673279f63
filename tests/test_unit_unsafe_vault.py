"""!unsafe text, the YAML tags ansible-core accepts, and vault data: in process."""

from __future__ import annotations

import datetime

import pytest

from ftl2_runner.data.ansible_yaml import load, load_with_notices
from ftl2_runner.data.unsafe import UnsafeText, mark_unsafe
from ftl2_runner.data.vault import VaultError, VaultSecret, decrypt, decrypt_tree, encrypt, prompts_for
from ftl2_runner.executor.display.load_notices import source_excerpt
from ftl2_runner.executor.vars.conditions import ConditionError, render


def test_unsafe_text_keeps_its_type_through_its_own_methods():
    text = UnsafeText("2.{{ x }}")
    for derived in (text.upper(), text + "!", "!" + text, text[1:], text % (), str(text), text.strip(), text.replace("2", "3")):
        assert isinstance(derived, UnsafeText)
    assert all(isinstance(part, UnsafeText) for part in text.split("."))
    assert text == "2.{{ x }}" and hash(text) == hash("2.{{ x }}")
    assert mark_unsafe({"k": ["a", 1, None]}) == {"k": ["a", 1, None]}
    assert isinstance(mark_unsafe({"k": ["a"]})["k"][0], UnsafeText)


def test_unsafe_text_is_never_templated_even_inside_a_built_string():
    answer = UnsafeText("7.{{ q9 }}")  # (the job's registry of unsafe texts is per process: a text of its own)
    assert render(answer, {}) == "7.{{ q9 }}"
    built = f"answer {answer} on {{{{ inventory_hostname }}}}"  # an f-string: a plain str
    assert type(built) is str
    shown = render(built, {"inventory_hostname": "web1"})
    assert shown == "answer 7.{{ q9 }} on web1" and isinstance(shown, UnsafeText)
    assert render(f"{answer}", {}) == "7.{{ q9 }}"
    assert render("{{ a }}", {"a": answer}) == "7.{{ q9 }}"  # a variable's value is not templated again
    assert render("{{ 'q' | upper }} " + str.__str__(answer), {}) == "Q 7.{{ q9 }}"
    with pytest.raises(ConditionError):  # other text is still a template
        render("{{ q9 }} again", {})
    assert render("7.{{ q9 }} again", {}) == "7.{{ q9 }} again"  # the documented price: matched by text


def test_loader_accepts_ansible_cores_tags():
    data = load(
        "!unsafe 'a': !unsafe '{{ x }}'\n"
        "m: !unsafe {k: ['{{ y }}', 2]}\n"
        "n: !unsafe '42'\n"
        "y: !unsafe 'yes'\n"
        "e: !unsafe ''\n"
        "b: !!binary aGk=\n"
        "t: 2001-12-14 21:59:43\n"
        "s: !!set {p, q}\n"
        "d: !!python/dict {z: 1}\n"
        "u: !!python/unicode hi\n"
        "plain: '{{ z }}'\n"
    )
    assert isinstance(next(iter(data)), UnsafeText) and isinstance(data["a"], UnsafeText)
    assert isinstance(data["m"]["k"][0], UnsafeText) and data["m"]["k"][1] == 2
    assert (data["n"], data["y"], data["e"]) == (42, True, None)  # tagged scalars resolve as plain ones
    assert data["b"] == "hi" and data["t"] == datetime.datetime(2001, 12, 14, 21, 59, 43)
    assert data["s"] == ["p", "q"] and data["d"] == {"z": 1} and data["u"] == "hi"
    assert not isinstance(data["plain"], UnsafeText)


def test_loader_notices_deprecated_tags_and_duplicate_keys():
    loaded = load_with_notices("o: !!omap [a: 1]\np: !!pairs [a: 1]\nk: 1\nk: 2\n")
    assert loaded.data == {"o": [["a", 1]], "p": [["a", 1]], "k": 2}
    assert [(n.kind, n.line, n.column) for n in loaded.notices] == [("deprecation", 1, 4), ("deprecation", 2, 4), ("warning", 4, 1)]


def test_source_excerpt_as_ansible_core_shows_it(tmp_path):
    path = tmp_path / "vars"
    path.write_text("".join(f"line{i}: {i}\n" for i in range(1, 12)))
    assert source_excerpt(str(path), 1, 8) == ["1 line1: 1", "         ^ column 8"]
    assert source_excerpt(str(path), 10, 9) == [" 8 line8: 8", " 9 line9: 9", "10 line10: 10", "           ^ column 9"]


def test_vault_round_trip_ids_and_errors():
    secret = encrypt("top secret\n", "pw", "dev")
    assert secret.startswith("$ANSIBLE_VAULT;1.2;AES256;dev\n")
    assert all(len(line) <= 80 for line in secret.splitlines())
    assert decrypt(secret, [VaultSecret("default", b"other"), VaultSecret("dev", b"pw")]) == "top secret\n"
    assert decrypt(encrypt("x", "pw"), [VaultSecret("default", b"pw")]) == "x"
    with pytest.raises(VaultError, match="no vault secrets were found that could decrypt"):
        decrypt(secret, [VaultSecret("dev", b"wrong")])
    with pytest.raises(VaultError, match="no vault password was given"):
        decrypt(secret, [])
    with pytest.raises(VaultError, match=r"of db\.password\[1\]: no vault password"):
        decrypt_tree({"db": {"password": ["a", load(f"!vault |\n  {secret.replace(chr(10), chr(10) + '  ')}")]}}, [], "")


def test_vault_prompts_in_ansible_playbooks_order():
    assert prompts_for(["dev@prompt"], True) == [("dev", "Vault password (dev): "), ("default", "Vault password: ")]
    assert prompts_for([], True) == [("default", "Vault password: ")]
    assert prompts_for(["@prompt", "x@/some/file"], False) == [("default", "Vault password: ")]


def test_templates_run_in_ansibles_sandbox(tmp_path):
    """ansible-core renders every template in Jinja's sandbox; outside it, ``__class__``/``__globals__``
    walking reached ``os`` from any template text (a task argument, a condition, a template file)."""
    from ftl2_runner.executor.vars.conditions import evaluate_expression, render_file

    for escape in ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "x {{ cycler.__init__.__globals__.os }}"):
        with pytest.raises(ConditionError, match=r"access to attribute '__\w+__' of '\w+' object is unsafe"):
            render(escape, {})
    with pytest.raises(ConditionError, match="is unsafe"):
        evaluate_expression("lipsum.__globals__", {})
    (tmp_path / "t.j2").write_text("{{ joiner.__init__.__globals__ }}\n")
    with pytest.raises(ConditionError, match="is unsafe"):
        render_file(str(tmp_path / "t.j2"), {}, [str(tmp_path)])
    # what ansible-core still allows: int's bitwise operators, Python's own range, str.format
    assert render("{{ (5).__or__(2) }} {{ range(3) | list }} {{ 'a{}'.format('b') }}", {}) == "7 [0, 1, 2] ab"


def test_what_a_host_returned_is_data():
    from ftl2_runner.data.unsafe import untrusted
    from ftl2_runner.script import Result

    params = {"cmd": "{{ x }}"}
    result = Result(stdout="{{ 6 * 7 }}", stdout_lines=["{{ 6 * 7 }}"], invocation={"module_args": params}, rc=0)
    marked = untrusted(result)
    assert type(marked) is Result and marked == result
    assert render(f"built {marked.stdout}", {}) == "built {{ 6 * 7 }}"
    assert render(marked.stdout_lines[0], {}) == "{{ 6 * 7 }}"
    assert type(params["cmd"]) is str  # the task's own arguments are not touched


def test_an_unsafe_text_that_makes_a_delimiter_with_the_scripts_braces_is_kept():
    edge = UnsafeText("{ q8 }")  # no delimiter of its own: one with the template's braces around it
    assert render(f"${{{edge}}} {{{{ 'x' | upper }}}}", {"q8": "evaluated"}) == "${{ q8 }} X"
    for text in ("100%", "#tag", "}}", "{%-", " } "):  # edges, and texts that are only delimiters
        UnsafeText(text)
    assert render("{{ 'a' }}{% if true %}b{% endif %}", {}) == "ab"  # "}}" alone does not shield the script's own
    assert render("{{ '100%' }} {{ 7 }}", {}) == "100% 7"  # "100%" is kept, and it holds no template
