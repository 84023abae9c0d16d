"""The house as the README draws it: dependencies point one way, and a package reaches
another only through its public face (its ``__init__`` and ``__all__``), never its models,
forms, views or templates."""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Who may use whom (SPEC §2, §14): each package and the packages below it. ``core`` is the
# ground: its small modules are each a public unit, and every package may stand on them.
MAY_USE: dict[str, set[str]] = {
    "core": set(),
    "keys": {"core"},
    "accounts": {"core"},
    "franceconnect": {"core", "keys"},
    "enrollment": {"core", "accounts", "franceconnect"},
    "idp": {"core", "accounts", "enrollment", "keys"},
    "config": {"core", "accounts", "enrollment", "franceconnect", "idp", "keys"},
}
WITH_A_FACE = {"accounts", "enrollment", "franceconnect", "idp", "keys"}
# The page shell every page extends, and the DSFR form macros every form uses.
SHELL_TEMPLATES = ("base.html", "dsfr.html", "errors/")
# The template folders of each package, as Flask finds them: package -> name prefixes.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "accounts": ("accounts/", "mail/"),
    "enrollment": ("enrollment/",),
    "idp": ("idp/",),
    "franceconnect": ("franceconnect/", "franceconnect_sandbox/"),
    "config": SHELL_TEMPLATES + ("home.html",),
}
TEMPLATE_REFERENCE = re.compile(r"""{%-?\s*(?:extends|include|import|from)\s+["']([^"']+)["']""")


@dataclass(frozen=True)
class Import:
    """One import statement: where it is, what module it names, and which names it takes."""

    path: Path
    line: int
    module: str
    names: tuple[str, ...] = ()

    @property
    def package(self) -> str:
        return self.module.split(".", 1)[0]

    def __str__(self) -> str:
        taken = f" import {', '.join(self.names)}" if self.names else ""
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.module}{taken}"


def package_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0]


def imports_of(path: Path) -> list[Import]:
    """Return every import of ``path``, those inside functions included."""
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend(Import(path, node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = tuple(alias.name for alias in node.names)
            found.append(Import(path, node.lineno, node.module, names))
    return found


def sources() -> list[Path]:
    return sorted(path for package in MAY_USE for path in (ROOT / package).rglob("*.py"))


def crossing_imports() -> list[Import]:
    """Return the imports of one of our packages by another one."""
    return [
        found
        for path in sources()
        for found in imports_of(path)
        if found.package in MAY_USE and found.package != package_of(path)
    ]


def test_the_walk_sees_the_imports_it_judges() -> None:
    crossing = {(package_of(found.path), found.package) for found in crossing_imports()}

    # A broken walk would find nothing and let everything pass.
    assert ("idp", "accounts") in crossing and ("enrollment", "accounts") in crossing
    assert ("idp", "enrollment") in crossing and ("enrollment", "franceconnect") in crossing


def test_dependencies_point_one_way() -> None:
    upward = [
        str(found)
        for found in crossing_imports()
        if found.package not in MAY_USE[package_of(found.path)]
    ]

    assert upward == []


def test_a_package_is_reached_only_through_its_public_face() -> None:
    faces = {name: set(importlib.import_module(name).__all__) for name in WITH_A_FACE}
    internals = [
        str(found)
        for found in crossing_imports()
        if found.package in WITH_A_FACE
        and (found.module != found.package or not set(found.names) <= faces[found.package])
    ]

    assert internals == []


@pytest.mark.parametrize("package", sorted(WITH_A_FACE))
def test_each_public_face_offers_what_it_lists(package: str) -> None:
    module = importlib.import_module(package)

    missing = [name for name in module.__all__ if not hasattr(module, name)]

    assert missing == []


def test_a_template_uses_only_its_own_package_and_the_page_shell() -> None:
    strangers = []
    for package, own in TEMPLATES.items():
        for path in (ROOT / package).rglob("templates/**/*"):
            if not path.is_file():
                continue
            for name in TEMPLATE_REFERENCE.findall(path.read_text(encoding="utf-8")):
                if not name.startswith(own + SHELL_TEMPLATES):
                    strangers.append(f"{path.relative_to(ROOT)}: {name}")

    assert strangers == []


def test_views_do_not_import_views() -> None:
    view_modules = {"views", "live_checks", "signin", "partners"}
    crossing = [
        str(found)
        for path in sources()
        if path.stem in view_modules
        for found in imports_of(path)
        if found.module.rsplit(".", 1)[-1] in view_modules
        or any(name in view_modules for name in found.names)
    ]

    assert crossing == []
