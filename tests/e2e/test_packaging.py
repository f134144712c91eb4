"""The sdist and wheel build without a single setuptools warning and carry what the installed package reads: the
Cypher files (cypher/ at the repo root ships as graphmem.cypher), the SQL schema and the license."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "README.md", "LICENSE", "graphmem", "cypher"]
WARNING = re.compile(r"warn|deprecat|absent from the|!!", re.IGNORECASE)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``python -m build`` on a copy of the sources (so nothing is written into the checkout), offline with the
    backend from the dev extras. Returns the wheel and everything the build printed."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    out = src / "dist"
    # PYTHONDONTWRITEBYTECODE makes setuptools warn that byte-compiling is off: a setting of this shell, not ours.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(src)],
                          env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed[-3000:]
    wheels = list(out.glob("graphmem-*.whl"))
    assert len(wheels) == 1 and list(out.glob("graphmem-*.tar.gz")), printed[-3000:]
    return wheels[0], printed


def test_the_build_prints_no_warnings(built: tuple[Path, str]) -> None:
    _, printed = built
    assert [line for line in printed.splitlines() if WARNING.search(line)] == []


def test_the_wheel_carries_the_cypher_files_the_sql_schema_and_the_license(built: tuple[Path, str]) -> None:
    wheel, _ = built
    names = set(zipfile.ZipFile(wheel).namelist())
    cypher = {
        f"graphmem/cypher/{p.relative_to(ROOT / 'cypher').as_posix()}" for p in (ROOT / "cypher").rglob("*.cypher")
    }
    assert any("/schema/" in name for name in cypher)
    assert cypher <= names, sorted(cypher - names)
    sql = {f"graphmem/stores/{p.name}" for p in (ROOT / "graphmem" / "stores").glob("*.sql")}
    assert sql and sql <= names, sorted(sql - names)
    license_file = next(name for name in names if name.endswith(".dist-info/licenses/LICENSE"))
    assert zipfile.ZipFile(wheel).read(license_file) == (ROOT / "LICENSE").read_bytes()
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: Apache-2.0" in metadata.splitlines()


def test_the_installed_wheel_reads_its_own_cypher_files(built: tuple[Path, str], tmp_path: Path) -> None:
    wheel, _ = built
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target",
                    str(site), str(wheel)], check=True, capture_output=True, timeout=300)  # fmt: skip
    probe = (
        "import graphmem\n"
        "from graphmem.stores.cypher.files import QueryFiles, package_root\n"
        "print(graphmem.__file__)\n"
        "print(package_root())\n"
        "files = QueryFiles(('neo4j',))\n"
        "print(len(files.schema()), len(files.query('reset')), len(files.query('memory_vector')))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}  # ahead of the checkout's editable install
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    where, queries, counts = done.stdout.splitlines()
    assert Path(where).is_relative_to(site), where
    assert str(site / "graphmem" / "cypher") in queries, queries  # not the checkout's cypher/
    schema_files = len(list((ROOT / "cypher" / "neo4j" / "schema").glob("*.cypher")))
    assert counts.split()[0] == str(schema_files) and int(counts.split()[1]) > 0
    assert int(counts.split()[2]) > 1000  # the fragments ship too: memory_vector expands to the whole search
