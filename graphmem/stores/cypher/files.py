"""Query files by name, for a chain of dialect folders, with the shared fragments expanded at load time.

A dialect folder (``cypher/<folder>/``) holds only the files that differ from its parent's: a name is looked up in
each folder of the chain, most specific first, so a dialect that differs in nothing has no files at all. The same
holds for the ``schema/`` statements (by file name) and the ``fragments/``.

Fragments are how a rule exists once per dialect: a query writes ``{{current x}}`` and the loader puts the text of
``fragments/current.cypher`` there, with ``{{1}}`` in it replaced by ``x`` (``{{2}}`` by a second argument, ...).
A fragment may invoke other fragments, and its arguments may build a fragment's name (``{{seek_{{1}} x}}``).
Placeholders and their arguments are fixed words in our files, never input: values still travel only as
parameters. Installed, the files ship inside the wheel as ``graphmem.cypher``; in a source checkout they are read
from the repository's ``cypher/`` folder.
"""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

_NAME = re.compile(r"^[a-z0-9_]+$")
_INVOKE = re.compile(r"\{\{([a-z_]+)((?: [A-Za-z0-9_$.]+)*)\}\}")  # an innermost {{name arg ...}}
_ARG = re.compile(r"\{\{([1-9])\}\}")
_DEPTH = 8  # fragments nest a few levels (vector search -> scope seek -> pattern); more is a loop


def package_root() -> Traversable:
    try:
        return resources.files("graphmem.cypher")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[3] / "cypher"


class QueryFiles:
    """The query, fragment and schema files of one dialect chain (``("neo4j_calendar", "neo4j")``)."""

    def __init__(self, folders: tuple[str, ...], root: Traversable | None = None) -> None:
        if not folders or not all(_NAME.match(f) for f in folders):
            raise ValueError(f"bad dialect folders {folders!r}")
        self.folders = folders
        self._root = root or package_root()
        self._expanded: dict[str, str] = {}

    def _find(self, sub: str, name: str) -> Traversable | None:
        for folder in self.folders:
            path = self._root.joinpath(folder)
            for part in (sub, f"{name}.cypher") if sub else (f"{name}.cypher",):
                path = path.joinpath(part)
            if path.is_file():
                return path
        return None

    def raw(self, name: str) -> str:
        """A query file's text as written, placeholders and all."""
        if not _NAME.match(name):
            raise ValueError(f"bad query name {name!r}")
        found = self._find("", name)
        if found is None:
            raise FileNotFoundError(f"no query {name!r} in cypher/{{{','.join(self.folders)}}}")
        return found.read_text(encoding="utf-8")

    def query(self, name: str) -> str:
        """The text of one query, ready to run. Names are fixed identifiers in our code, never user input."""
        text = self._expanded.get(name)
        if text is None:
            text = self._expanded[name] = self.expand(self.raw(name), name)
        return text

    def fragment(self, name: str) -> str:
        found = self._find("fragments", name) if _NAME.match(name) else None
        if found is None:
            raise ValueError(f"unknown fragment {{{{{name}}}}} in cypher/{{{','.join(self.folders)}}}")
        return found.read_text(encoding="utf-8").strip()

    def expand(self, text: str, where: str, depth: int = 0) -> str:
        """Every ``{{fragment args}}`` in ``text`` replaced by the fragment, recursively; fails on what is left."""
        if depth > _DEPTH:
            raise ValueError(f"{where}: fragments nest too deep")

        def one(match: re.Match[str]) -> str:
            name, args = match.group(1), match.group(2).split()
            try:
                body = _strip_comments(self.fragment(name))
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
            wanted = max((int(n) for n in _ARG.findall(body)), default=0)
            if wanted != len(args):
                raise ValueError(f"{where}: {{{{{name}}}}} takes {wanted} arguments, got {len(args)}")
            body = _ARG.sub(lambda m: args[int(m.group(1)) - 1], body)
            return self.expand(body, f"{where} > {name}", depth + 1)

        out = _INVOKE.sub(one, text)
        if "{{" in out or "}}" in out:
            raise ValueError(f"{where}: a placeholder was left unexpanded")
        return out

    def names(self) -> list[str]:
        """Every query name the chain provides."""
        found = {f.name.removesuffix(".cypher") for folder in self.folders for f in _files(self._root.joinpath(folder))}
        return sorted(found)

    def schema(self) -> list[tuple[str, str]]:
        """The schema statements, in file-name order, as (name, text); a dialect's file replaces its parent's."""
        chosen: dict[str, Traversable] = {}
        for folder in reversed(self.folders):
            for f in _files(self._root.joinpath(folder).joinpath("schema")):
                chosen[f.name] = f
        return [(n.removesuffix(".cypher"), chosen[n].read_text(encoding="utf-8")) for n in sorted(chosen)]


def _files(folder: Traversable) -> list[Traversable]:
    if not folder.is_dir():
        return []
    return [f for f in folder.iterdir() if f.is_file() and f.name.endswith(".cypher")]


def _strip_comments(text: str) -> str:
    """A fragment's own ``//`` comment lines (what its arguments are) stay in its file, not in every query."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
