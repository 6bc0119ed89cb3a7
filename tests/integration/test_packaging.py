"""The wheel is what a deployment installs: built from the source and installed (not
editable) into a fresh virtual environment, it serves working pages from outside the repo.

No network: the wheel is built with the project environment's setuptools
(``--no-build-isolation``), and the fresh environment borrows the project environment's
installed dependencies through a ``.pth`` file (its own site-packages, holding the
wheel's files, comes first on ``sys.path``).
"""

from __future__ import annotations

import re
import shutil
import site
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from support.processes import ROOT, DashboardProcess

pytestmark = pytest.mark.slow

NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache",
                                    ".hypothesis", "test-artifacts", "results", ".run")


def run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"{args[:4]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def build_wheel(tmp_path: Path) -> tuple[Path, str]:
    """The wheel of a copy of the working tree (a build writes build/ and *.egg-info into
    the tree it builds), and what the build printed."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    output = run(sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
                 "--no-index", source, "-w", tmp_path / "wheels", cwd=tmp_path)
    [wheel] = (tmp_path / "wheels").glob("changning_dashboard-*.whl")
    return wheel, output


def install(wheel: Path, venv: Path) -> Path:
    """A new virtual environment with ``wheel`` installed; its site-packages."""
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    [packages] = venv.glob("lib/python*/site-packages")
    (packages / "project-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps",
        "--no-index", wheel, cwd=venv.parent)
    return packages


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_an_installed_wheel_serves_the_wall_with_its_assets_and_data(tmp_path: Path) -> None:
    """pip install <wheel>, then `changning-dashboard run` (embedded Redis) from another
    directory serves the wall page, every file of assets/ and the packaged geometry."""
    wheel, output = build_wheel(tmp_path)
    warned = [line for line in output.splitlines() if re.search(r"[a-z]Warning\b", line)]
    assert not warned, "setuptools warned (BuildBackendWarning, SetuptoolsDeprecationWarning...):\n" + (
        "\n".join(warned))
    packages = install(wheel, tmp_path / "venv")
    assert files(packages / "dashboard" / "assets") == files(ROOT / "assets")
    assert files(packages / "dashboard" / "data") == files(ROOT / "dashboard" / "data")
    assert not (packages / "support").exists() and not (packages / "tests").exists()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(tmp_path / "venv" / "bin" / "python", "-c",
                "import dashboard, layouts, callbacks; print(dashboard.__file__)", cwd=elsewhere)
    assert Path(where.strip()).is_relative_to(packages), where
    server = DashboardProcess(None, command=[str(tmp_path / "venv" / "bin" / "changning-dashboard"), "run"],
                              cwd=elsewhere)
    try:
        server.start()
        with httpx.Client(base_url=server.url, timeout=10) as wall:
            assert wall.get(f"/?token={server.wall_token}").status_code == 303  # token → session
            page = wall.get("/", headers={"Accept": "text/html"})
            assert page.status_code == 200
            assert re.search(r'src="/assets/live\.js(\?[^"]*)?"', page.text), page.text
            assert re.search(r'href="/assets/wall\.css(\?[^"]*)?"', page.text), page.text
            for name in sorted(files(ROOT / "assets")):
                asset = wall.get(f"/assets/{name}")
                assert asset.status_code == 200, (name, asset.status_code)
                assert asset.content == (ROOT / "assets" / name).read_bytes(), name
            assert wall.get("/_dash-layout").status_code == 200
            for geometry in ("district", "streets"):
                response = wall.get(f"/api/geo/{geometry}.geojson")
                assert response.status_code == 200 and response.json()["features"], geometry
    finally:
        server.stop()
