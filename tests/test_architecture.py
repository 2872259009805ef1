"""The dependency rule (architecture.md 3.2), read from the AST of every module in shared/ and services/.

Imports are followed through first-party modules, so a service that reaches flask or torch through a shared
module breaks its rule just as a direct import would. Imports inside functions and `importlib.import_module`
calls with a literal name count too.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.messaging import ROUTES, QueueNames, TaskNames

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = ("shared", "services")

DOMAIN_FORBIDDEN = ("flask", "celery", "kombu", "sqlalchemy", "alembic", "boto3", "redis", "prometheus_client",
                    "torch")
DOMAIN_ALLOWED_THIRD_PARTY = ("numpy",)


@dataclass(frozen=True)
class Rule:
    """Modules under `package` must not reach any of `forbidden`, directly or through first-party modules."""

    package: str
    forbidden: tuple[str, ...]
    transitive: bool = True


RULES = (
    Rule("shared.domain", DOMAIN_FORBIDDEN),
    Rule("shared", ("services",)),
    Rule("services.api", ("services.worker", "services.trainer", "torch", "torchvision")),
    Rule("services.worker", ("flask", "torch", "services.api", "services.trainer")),
    Rule("services.trainer", ("flask", "services.api", "services.worker")),
)


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def imports_in_source(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module name `source` imports, absolute, with `from x import y` giving both `x` and `x.y`."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - (node.level - 1)])
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__"):
                found.add(node.args[0].value)
    return found


def discover_modules(root: Path = ROOT) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for top in FIRST_PARTY:
        for path in sorted((root / top).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {
        name: imports_in_source(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
        for name, path in modules.items()
    }


def _first_party_target(name: str, modules: dict[str, set[str]]) -> str | None:
    """The first-party module an import name lands in (`x.y` may be a module or a name inside module `x`)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def reachable(start: str, graph: dict[str, set[str]]) -> dict[str, list[str]]:
    """Every import name reachable from `start`, each with one chain of modules that leads to it."""
    chains: dict[str, list[str]] = {}
    seen = {start}
    stack = [(start, [start])]
    while stack:
        module, chain = stack.pop()
        for name in sorted(graph[module]):
            chains.setdefault(name, chain + [name])
            target = _first_party_target(name, graph)
            if target is not None and target not in seen:
                seen.add(target)
                stack.append((target, chain + [target]))
                # Importing a.b.c runs a/__init__ and a/b/__init__ first.
                parent = target.rpartition(".")[0]
                while parent:
                    if parent in graph and parent not in seen:
                        seen.add(parent)
                        stack.append((parent, chain + [parent]))
                    parent = parent.rpartition(".")[0]
    return chains


def violations(rules: Iterable[Rule], graph: dict[str, set[str]]) -> list[str]:
    found: list[str] = []
    for rule in rules:
        for module in sorted(m for m in graph if under(m, rule.package)):
            names = reachable(module, graph) if rule.transitive else {n: [module, n] for n in graph[module]}
            for bad in rule.forbidden:
                hits = [chain for name, chain in sorted(names.items()) if under(name, bad)]
                if hits and not under(module, bad):
                    shortest = min(hits, key=len)
                    found.append(f"{rule.package}: {' -> '.join(shortest)} (reaches {bad})")
    return found


def domain_outsiders(graph: dict[str, set[str]]) -> list[str]:
    """The domain imports only the standard library, numpy and itself."""
    out = []
    for module in sorted(m for m in graph if under(m, "shared.domain")):
        for name in sorted(graph[module]):
            top = name.split(".")[0]
            if top == "__future__" or top in sys.stdlib_module_names or top in DOMAIN_ALLOWED_THIRD_PARTY:
                continue
            if under(name, "shared.domain"):
                continue
            out.append(f"{module} imports {name}")
    return out


# --- the helpers can fail -------------------------------------------------------------------------------------

def synthetic_graph(sources: dict[str, str]) -> dict[str, set[str]]:
    return {name: imports_in_source(src, name, name.count(".") == 0) for name, src in sources.items()}


def test_a_direct_forbidden_import_in_the_domain_is_reported() -> None:
    graph = synthetic_graph({"shared.domain.bad": "import numpy\nfrom sqlalchemy import select\n"})
    assert violations(RULES, graph) == ["shared.domain: shared.domain.bad -> sqlalchemy (reaches sqlalchemy)"]
    assert domain_outsiders(graph) == ["shared.domain.bad imports sqlalchemy", "shared.domain.bad imports "
                                       "sqlalchemy.select"]


def test_an_import_hidden_in_a_function_or_import_module_is_found() -> None:
    source = "def f():\n    import flask\n\ndef g():\n    importlib.import_module('torch.nn')\n"
    assert imports_in_source(source, "services.worker.x") >= {"flask", "torch.nn"}
    graph = synthetic_graph({"services.worker.x": source})
    assert len(violations(RULES, graph)) == 2


def test_relative_imports_are_resolved_against_the_package() -> None:
    assert imports_in_source("from ..api import app\n", "services.worker.tasks") >= {"services.api",
                                                                                      "services.api.app"}
    assert imports_in_source("from . import tasks\n", "services.worker", is_package=True) >= {
        "services.worker.tasks"}


def test_a_forbidden_import_reached_through_a_shared_module_is_reported_with_its_chain() -> None:
    graph = synthetic_graph({
        "services.worker.tasks": "from shared.services.media import sign\n",
        "shared.services.media": "from flask import request\n",
    })
    found = violations(RULES, graph)
    assert "services.worker: services.worker.tasks -> shared.services.media -> flask (reaches flask)" in found


def test_a_clean_synthetic_tree_has_no_violations() -> None:
    graph = synthetic_graph({
        "services.api.app": "import flask\nfrom shared.domain.states import JobStatus\n",
        "shared.domain.states": "import enum\nimport numpy as np\nfrom shared.domain.errors import E\n",
        "shared.domain.errors": "",
    })
    assert violations(RULES, graph) == []
    assert domain_outsiders(graph) == []


# --- the real tree -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(discover_modules())


def test_every_package_in_the_rules_has_modules(graph: dict[str, set[str]]) -> None:
    for rule in RULES:
        assert any(under(m, rule.package) for m in graph), rule.package
    assert "services.worker.tasks" in graph and "shared.domain.consolidation.majority_vote" in graph


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.package)
def test_no_module_breaks_the_dependency_rule(graph: dict[str, set[str]], rule: Rule) -> None:
    assert violations([rule], graph) == []


def test_the_domain_imports_only_the_standard_library_numpy_and_itself(graph: dict[str, set[str]]) -> None:
    assert domain_outsiders(graph) == []


def test_every_queue_is_the_route_of_some_task() -> None:
    declared = {v for k, v in vars(QueueNames).items() if k.isupper() and isinstance(v, str)}
    assert declared == set(QueueNames.all())
    assert declared <= set(ROUTES.values()), declared - set(ROUTES.values())


def test_every_route_is_a_named_task_sent_to_a_declared_queue() -> None:
    tasks = {v for k, v in vars(TaskNames).items() if k.isupper()}
    assert set(ROUTES) == tasks
    assert set(ROUTES.values()) <= set(QueueNames.all())
