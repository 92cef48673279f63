from __future__ import annotations

from ftl2_runner.executor.display.formatting import Formatter


def test_banner_is_80_columns_and_handles_wide_text():
    f = Formatter(colour=False)
    assert len(f.banner("TASK [ping]").lstrip("\n")) == 80
    assert f.banner("TASK [" + "x" * 100 + "]").endswith(" ***")
    wide = f.banner("TASK [日本]").lstrip("\n")
    assert wide.count("*") == 79 - len("TASK [日本]") - 2


def test_recap_matches_ansible_layout():
    summary = {"ok": 3, "changed": 2, "unreachable": 0, "failures": 0, "skipped": 1, "rescued": 0, "ignored": 1}
    coloured = Formatter(colour=True).recap({"localhost": summary})
    assert coloured.split("\n")[2] == (
        "\x1b[0;33mlocalhost\x1b[0m                  : \x1b[0;32mok=3   \x1b[0m \x1b[0;33mchanged=2   \x1b[0m "
        "unreachable=0    failed=0    \x1b[0;36mskipped=1   \x1b[0m rescued=0    \x1b[1;35mignored=1   \x1b[0m"
    )
    plain = Formatter(colour=False).recap({"localhost": summary})
    assert plain.split("\n")[2].startswith("localhost                  : ok=3    changed=2")
    assert plain.endswith("\n")


def test_verbose_results():
    res = {"changed": False, "ping": "pong", "_ansible_no_log": False}
    assert Formatter(colour=False).ok("h", res) == "ok: [h]"
    assert Formatter(colour=False, verbosity=1).ok("h", res) == 'ok: [h] => {"changed": false, "ping": "pong"}'
    assert Formatter(colour=False, verbosity=3).ok("h", res) == 'ok: [h] => {\n    "changed": false,\n    "ping": "pong"\n}'
