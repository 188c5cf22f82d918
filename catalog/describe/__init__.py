"""`catalog describe`: from raw files to a dataset folder with a complete descriptor.

`describe(files, root, ...)` writes `datasets/<publisher>/<dataset>/`: the data files, copied
byte for byte (French habits are declared, not converted), and `datapackage.json` with a Table
Schema per table and the `catalog` key. What cannot be known is written as placeholders
(`catalog.placeholders`). Modules: `read` (the bounded sample), `infer` (types and habits),
`folder` (names, paths and the atomic write), `spatial` (coordinates, INSEE codes, bounding boxes, GeoJSON and GTFS), `build` (the descriptor).
"""
__all__ = ["Described", "describe"]


def __getattr__(name):
    # Imported on first use: `catalog validate` reads a raw export's layout (describe.layout,
    # describe.read) without the descriptor builder and what it imports.
    if name in __all__:
        from catalog.describe import build
        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
