"""The layers (docs/ARCHITECTURE.md): what each folder may import, and nothing loose at the top.

models/ is data and domain rules: it imports nothing from services/, views/, cli/ or demo/.
services/ works without a request: it imports nothing from views/ or cli/. Neither reads
the request (flask's request or session, flask_login's current_user): whatever a rule
needs from the request, the view passes it in. Imports are read from the source with
`ast`, so an import inside a function counts as much as one at the top of the file.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN_PACKAGES = {
    "models": {"services", "views", "cli", "demo"},
    "services": {"views", "cli"},
}
# Names that read the current request; a model or a service takes what it needs as arguments.
REQUEST_NAMES = {"flask": {"request", "session"}, "flask_login": {"current_user"}}
TOP_LEVEL_MODULES = {"app.py", "config.py", "extensions.py"}


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imports(path: Path) -> list[tuple[int, str, set[str]]]:
    """(line, absolute module name, names imported from it) for every import in the file."""
    found = []
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, set()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: from . import x, from ..services import y
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            names = {alias.name for alias in node.names}
            if module:
                found.append((node.lineno, module, names))
            else:  # `from .. import views`, from the top: each name is a package
                found += [(node.lineno, name, set()) for name in names]
    return found


def violations(package: str) -> list[str]:
    forbidden = FORBIDDEN_PACKAGES[package]
    problems = []
    for path in python_files(package):
        where = path.relative_to(ROOT).as_posix()
        for line, module, names in imports(path):
            top = module.split(".")[0]
            if top in forbidden:
                problems.append(f"{where}:{line} imports {module} ({package}/ may not use {top}/)")
            reads_request = names & REQUEST_NAMES.get(module, set())
            if reads_request:
                problems.append(
                    f"{where}:{line} imports {', '.join(sorted(reads_request))} from {module} "
                    f"({package}/ may not read the request)"
                )
    return sorted(set(problems))


@pytest.mark.parametrize("package", sorted(FORBIDDEN_PACKAGES))
def test_lower_layers_import_nothing_from_the_layers_above(package):
    assert python_files(package), f"{package}/ has no Python file: is ROOT right?"
    problems = violations(package)
    assert not problems, "\n".join(problems)


def test_the_checker_sees_every_kind_of_import(tmp_path, monkeypatch):
    """Top-level, inside a function, `from x import y`, and relative imports all count."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "bad.py").write_text(
        "import views.reading\n"
        "from services import images\n"
        "def later():\n"
        "    from cli.demo import demo_cli\n"
        "    from ..demo import load\n"
        "    from flask import request\n"
        "from . import db\n"
    )
    (tmp_path / "models" / "sub").mkdir()
    (tmp_path / "models" / "sub" / "deeper.py").write_text("from ... import views\n")
    problems = "\n".join(violations("models"))
    for expected in (
        ":1 imports views.reading",
        ":2 imports services",
        ":4 imports cli.demo",
        ":5 imports demo",
        ":6 imports request from flask",
        "models/sub/deeper.py:1 imports views",
    ):
        assert expected in problems, expected
    assert "models/bad.py:7" not in problems


def test_no_loose_module_at_the_top_level():
    loose = sorted(p.name for p in ROOT.glob("*.py") if p.name not in TOP_LEVEL_MODULES)
    assert not loose, (
        f"Top-level modules {loose}: put them in models/, services/, views/, cli/ or demo/"
    )


def test_importing_the_models_does_not_load_pillow():
    """Pillow is for storing uploads (services/images.py), not for reading a row."""
    code = "import sys, models; assert 'PIL' not in sys.modules, 'PIL loaded'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
