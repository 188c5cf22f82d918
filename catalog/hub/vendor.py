"""The chart library the hub's pages load, served by the hub itself (no CDN).

Vega, Vega-Lite and vega-embed come from PyPI, in `vl-convert-python`, which bundles them
(`vl_convert.javascript_bundle()`: one script defining `window.vegaEmbed`, `vega` and
`vegaLite`). Bundling takes about two seconds, so the script is written once per version
into a folder beside the hub (`<hub folder>/hub-vendor/`), built aside and renamed.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

FOLDER = "hub-vendor"


def vendor_folder(db: Path) -> Path:
    return Path(db).resolve().parent / FOLDER


def vega_bundle(folder: Path) -> str:
    """The bundle's file name in `folder`, written there first when missing."""
    import vl_convert

    name = f"vega-{vl_convert.get_vega_version()}-vl-convert-{_version()}.js"
    target = Path(folder) / name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(vl_convert.javascript_bundle())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)  # two workers may race here: each renames a whole file
        finally:
            Path(tmp).unlink(missing_ok=True)
    return name


def _version() -> str:
    from importlib.metadata import version

    return version("vl-convert-python")
