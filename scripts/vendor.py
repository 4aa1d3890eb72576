"""Copy the front-end files lemap serves from node_modules/ into webapp/static/vendor/.

Run by ``make assets`` after ``npm ci`` (which installs the versions package-lock.json pins). The
app serves these copies itself, so no page loads anything from a CDN. Exits non-zero, naming the
missing file, when node_modules is incomplete.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "webapp" / "static" / "vendor"

#: package → (folder under vendor/, files inside the package to copy there).
FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    # charts (dashboard, workbench chart view): SVG from d3, no eval, so the pages keep script-src 'self'
    "@observablehq/plot": ("plot", ("dist/plot.umd.min.js", "LICENSE")),
    "@zazuko/yasgui": ("yasgui", ("build/yasgui.min.js", "build/yasgui.min.css", "build/yasgui.min.js.map")),
    "cytoscape": ("cytoscape", ("dist/cytoscape.min.js", "LICENSE")),
    "d3": ("d3", ("dist/d3.min.js", "LICENSE")),
    "topojson-client": ("topojson-client", ("dist/topojson-client.min.js", "LICENSE")),
    "world-atlas": ("world-atlas", ("countries-110m.json", "countries-50m.json", "land-110m.json", "LICENSE")),
}


def copy_vendor(node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> dict[str, str]:
    """Copy every listed file, replacing ``vendor``; return package → installed version.

    :param node_modules: where ``npm ci`` installed the packages.
    :param vendor: the folder the app serves as ``/static/vendor``.
    :raises FileNotFoundError: when a listed file is missing (``npm ci`` not run, or a version
        whose layout changed).
    """
    missing = [node_modules / p / f for p, (_, files) in FILES.items() for f in files if not (node_modules / p / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{missing[0]} is missing: run `npm ci` first (or `make assets`)")
    if vendor.exists():
        shutil.rmtree(vendor)
    versions = {}
    for package, (folder, files) in FILES.items():
        (vendor / folder).mkdir(parents=True, exist_ok=True)
        for name in files:
            shutil.copy2(node_modules / package / name, vendor / folder / Path(name).name)
        versions[package] = json.loads((node_modules / package / "package.json").read_text())["version"]
    # A record of what was copied, so a page or a test can tell which versions it serves.
    (vendor / "versions.json").write_text(json.dumps(versions, indent=2, sort_keys=True) + "\n")
    return versions


def main() -> int:
    """Copy the files and print one line per package; exit 1 with a message when one is missing."""
    try:
        versions = copy_vendor()
    except FileNotFoundError as e:
        print(f"vendor: {e}", file=sys.stderr)
        return 1
    for package, version in sorted(versions.items()):
        print(f"vendor: {package} {version} -> {VENDOR.relative_to(ROOT)}/{FILES[package][0]}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
