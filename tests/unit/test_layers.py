"""Dependencies point one way (issue 10, point 6), read from the package's own import statements.

Layers, bottom up: the shared base (errors, models, vocabulary, config) · stores and providers (side by side, each
on the base only) · ingest and recall (side by side: each may use stores and providers, never the other) · assembly
(config -> objects) · the facade (Memory, the CLI and the tools around them). A module may import its own layer and
the layers its row allows; lazy imports inside functions count the same as those at the top of a file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import graphmem

PACKAGE = Path(graphmem.__file__).parent

# Top-level modules by layer; a module in a subpackage belongs to the subpackage's layer.
TOP_LEVEL = {
    "errors": "base",
    "home": "base",
    "models": "base",
    "vocab": "base",
    "filters": "base",
    "results": "base",
    "config": "base",
    "validate": "base",
    "assemble": "assembly",
    "__init__": "facade",
    "memory": "facade",
    "cli": "facade",
    "transfer": "facade",
    "viz": "facade",
    "triples_file": "facade",
    "schemas": "facade",
    "client": "facade",
    "__main__": "facade",
}
# The service (REST app, keys) is a facade like the CLI: it calls Memory and opens stores' key tables; so are the
# framework adapters (integrations/), which call only Memory's public methods.
SUBPACKAGES = {
    "stores": "stores",
    "providers": "providers",
    "ingest": "ingest",
    "recall": "recall",
    "service": "facade",
    "integrations": "facade",
}

ALLOWED = {
    "base": {"base"},
    "stores": {"base", "stores"},
    "providers": {"base", "providers"},
    "ingest": {"base", "stores", "providers", "ingest"},
    "recall": {"base", "stores", "providers", "recall"},
    "assembly": {"base", "stores", "providers", "ingest", "recall", "assembly"},
    "facade": {"base", "stores", "providers", "ingest", "recall", "assembly", "facade"},
}


def layer_of(module: str) -> str:
    """The layer of a dotted module name under ``graphmem`` (``graphmem.recall.graph`` -> ``recall``)."""
    parts = module.split(".")[1:] or ["__init__"]
    if parts[0] in SUBPACKAGES:
        return SUBPACKAGES[parts[0]]
    if parts[0] not in TOP_LEVEL:
        raise AssertionError(f"graphmem.{parts[0]} belongs to no layer: add it to TOP_LEVEL in {__file__}")
    return TOP_LEVEL[parts[0]]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 2:
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> set[str]:
    """Every ``graphmem`` module a file imports, anywhere in it (``from graphmem import x`` counts as the package
    itself unless ``x`` is a subpackage or module)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "graphmem")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "graphmem":
                continue
            if node.module == "graphmem":
                out.update(_package_member(a.name) for a in node.names)
            else:
                out.add(node.module)
    return out


def _package_member(name: str) -> str:
    """``from graphmem import memory`` imports the module; ``from graphmem import Memory`` the package itself."""
    is_module = (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").exists()
    return f"graphmem.{name}" if is_module else "graphmem"


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        mine = layer_of(importer)
        for target in sorted(imported(path)):
            theirs = layer_of(target)
            if theirs not in ALLOWED[mine]:
                found.append(f"{importer} ({mine}) imports {target} ({theirs})")
    return found


def test_every_import_points_down_the_layers() -> None:
    assert violations() == []


def test_the_checker_sees_a_lazy_upward_import(tmp_path: Path) -> None:
    """The reader is not blind: an import inside a function body is found, and a store importing recall is a
    violation."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from graphmem.recall.terms import words\n    import graphmem.ingest.plan\n")
    assert imported(probe) == {"graphmem.recall.terms", "graphmem.ingest.plan"}
    assert "recall" not in ALLOWED[layer_of("graphmem.stores.embedded")]
    assert "ingest" not in ALLOWED[layer_of("graphmem.recall.graph")]
    assert "recall" not in ALLOWED[layer_of("graphmem.ingest.pipeline")]
    assert "assembly" not in ALLOWED[layer_of("graphmem.providers.embed")]


def test_assembly_lives_above_the_layers_and_no_layer_imports_it() -> None:
    assert layer_of("graphmem.assemble") == "assembly"
    assert not (PACKAGE / "providers" / "factory.py").exists()
    for path in sorted(PACKAGE.rglob("*.py")):
        if layer_of(module_name(path)) not in ("assembly", "facade"):
            assert "graphmem.assemble" not in imported(path), path
