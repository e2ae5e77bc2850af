"""No shell anywhere: every child process is started with an argument list.

The Python code is scanned by its syntax tree (so this file's own strings do
not count) for shell=True, os.system, os.popen, subprocess's getoutput
helpers and asyncio's create_subprocess_shell; the C core is scanned for
system(), popen() and the exec calls that would start another program.
Nothing from targets.yaml, the catalogue or a results file can reach a
shell that is never started.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ..conftest import ROOT

PYTHON = [*(ROOT / "matrix").rglob("*.py"), *(ROOT / "tests").rglob("*.py"), ROOT / "noxfile.py"]
C_SOURCES = [p for p in (ROOT / "native").rglob("*") if p.suffix in {".c", ".h", ".def"}]

#: Calls that run their argument through a shell, by (module, function).
SHELL_CALLS = {
    ("os", "system"),
    ("os", "popen"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("asyncio", "create_subprocess_shell"),
}
C_SHELL = re.compile(r"\b(system|popen|_popen|_wpopen|_wsystem|execl?p|execvp)\s*\(")


def _dotted(node: ast.AST) -> tuple[str, str] | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    return None


def shell_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {m for m, _ in SHELL_CALLS}:
            for alias in node.names:
                if (node.module, alias.name) in SHELL_CALLS:
                    found.append(f"{path}:{node.lineno}: imports {node.module}.{alias.name}")
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name in SHELL_CALLS:
            found.append(f"{path}:{node.lineno}: {name[0]}.{name[1]}()")
        for kw in node.keywords:
            if kw.arg == "shell" and not (
                isinstance(kw.value, ast.Constant) and kw.value.value is False
            ):
                found.append(f"{path}:{node.lineno}: shell={ast.unparse(kw.value)}")
    return found


def test_the_scan_finds_what_it_looks_for(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os, subprocess\nfrom subprocess import getoutput\n"
        "subprocess.run('ls', shell=True)\nos.system('ls')\nos.popen('ls')\n"
        "subprocess.Popen(['ls'], shell=flag)\n"
    )
    assert len(shell_uses(bad)) == 5


def test_no_python_code_starts_a_shell():
    assert len(PYTHON) > 30
    found = [use for path in PYTHON for use in shell_uses(path)]
    assert found == []


def test_the_c_core_starts_no_process():
    assert C_SOURCES
    found = [
        f"{path}:{n}: {line.strip()}"
        for path in C_SOURCES
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if C_SHELL.search(line)
    ]
    assert found == []
