"""Publication targets. Each one (Datasette hub, CKAN portal) reads the packages
`catalog package` wrote and offers the same two calls, so a new target is one
more module, registered the way the built-in ones are:

- `plan(packages) -> list[Step]`: what publishing would do, writing nothing;
- `publish(packages, progress=None) -> Result`: do it, idempotently.
"""
