"""`/packages/` and its folders as pages: what can be downloaded (the files themselves are served
by catalog.hub.downloads)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from datasette.utils.asgi import NotFound, Response

from catalog.hub import i18n


def packages_folder(datasette) -> Path | None:
    folder = (datasette.plugin_config("catalog-hub") or {}).get("packages")
    return Path(folder) if folder else None


async def packages_listing(datasette, request):
    """`/packages/` and a package's folders: what can be downloaded, rather than a bare 403."""
    root = packages_folder(datasette)
    rest = request.url_vars.get("rest") or ""
    if any(part.startswith(".") for part in rest.split("/")):
        raise NotFound(i18n.gettext("Page not found"))  # builds in progress, as for files (hub/security.py)
    folder = (root / rest).resolve() if root else None
    if folder is None or not folder.is_dir() or (folder != root.resolve() and root.resolve() not in folder.parents):
        raise NotFound(i18n.gettext("Page not found"))
    entries = []
    for path in sorted(folder.iterdir(), key=lambda p: (not p.is_dir(), p.name))[:5000]:
        if path.name.startswith("."):
            continue
        relative = path.relative_to(root.resolve()).as_posix()
        entries.append({"name": path.name + ("/" if path.is_dir() else ""), "url": f"/packages/{quote(relative)}"
                        + ("/" if path.is_dir() else ""), "size": "" if path.is_dir() else i18n.format_size(path.stat().st_size)})
    parts = [p for p in rest.split("/") if p]
    crumbs = [{"name": "packages", "url": "/packages/"}] + [
        {"name": part, "url": "/packages/" + quote("/".join(parts[: i + 1])) + "/"} for i, part in enumerate(parts)]
    dataset = "/".join(parts[:2]) if len(parts) >= 2 else None
    return Response.html(await datasette.render_template(
        "hub_packages.html", {"entries": entries, "path_crumbs": crumbs,
                              "dataset_url": f"/-/dataset/{dataset}" if dataset else None}, request=request))
