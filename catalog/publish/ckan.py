"""`catalog publish ckan`: push data packages to a CKAN portal, idempotently.

    result = publish_ckan(paths, root=Path("."), url="https://portal.example.fr", api_key=token)

Datasets are packaged first (catalog.package): an invalid one, or one failing the
personal-data gate, is refused and never reaches the portal. Then `plan()` reads the
portal by name and `publish()` carries out the writes the plan lists: organisations and
groups one by one, each dataset with its resources and DataStore tables in as few
revisions as CKAN allows (ckan_revise: the portal's activity stream records each). If the portal fails
midway the run stops with PartialPublication (exit 3) saying what was published and
what was not; the next run's plan starts from what the portal then holds, so it
completes the work without duplicating anything (see ckan_plan for how).

The API token is only ever handed to the HTTP client; it is not in any message.
"""
from __future__ import annotations

import contextlib
import json
import re
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from catalog.errors import CatalogError, PartialPublication, UnusableInput
from catalog.locks import scratch_folder, writing_packages
from catalog.publish import ckan_revise, ckan_tables
from catalog.publish.ckan_client import Client, NotFound, PortalFailure, ValidationError, describe
from catalog.publish.ckan_licences import LicenceChooser
from catalog.publish.ckan_fields import alias_name, dataset_name, logo_file, organisation_fields, theme_groups
from catalog.publish.ckan_plan import (CONFLICT, CREATE, HIDDEN, ORPHAN, PRUNE, UNCHANGED, UPDATE, Options, Step,
                                       dataset_steps, organisation_step, orphan_step)
from catalog.publish.gate import DEFAULT_MIN_QUALITY, refusals

FIX = ("Once the portal answers again, run the same command: it completes the publication "
       "without duplicating anything.")
RIGHTS = ("Use a token of a user who may edit this organisation (editor or admin) or of a sysadmin, "
          "then run the same command: what was published is kept, not duplicated.")
REJECTED = ("Correct what the portal rejected (the field named above; some names, such as `new` or `edit`, "
            "are reserved by CKAN), then run the same command: what was published is kept, not duplicated.")


@dataclass
class CkanResult:
    url: str
    steps: list[Step] = field(default_factory=list)      # the plan
    done: list[Step] = field(default_factory=list)       # the writes carried out
    refused: dict[str, str] = field(default_factory=dict)  # dataset id -> why it was not published
    unreadable: set[str] = field(default_factory=set)  # refused ids that could not be read at all (exit 2)
    rows: int = 0                                        # DataStore rows loaded
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Steps per action; `keep` (left on the portal for want of --prune) only when there are some."""
        counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, PRUNE: 0}
        for step in self.steps:
            counts[step.action] = counts.get(step.action, 0) + 1
        return counts


def read_api_key(api_key_file=None, environ=os.environ) -> str | None:
    """The token from --api-key-file (first line) or else CKAN_API_KEY."""
    if api_key_file:
        path = Path(api_key_file)
        try:
            token = path.read_text(encoding="utf-8").strip().splitlines()
        except OSError as error:
            raise UnusableInput(f"{path}: cannot read the API key file ({error.strerror}).",
                                "Name a readable file holding only the CKAN API token.") from None
        except UnicodeDecodeError:  # nothing of the file is shown: it holds a secret
            raise UnusableInput(f"{path}: the API key file is not UTF-8 text.",
                                "Save the token alone, as plain text, on the file's first line.") from None
        if not token or not token[0].strip():
            raise UnusableInput(f"{path}: the API key file is empty.", "Put the CKAN API token on its first line.")
        return _checked_token(token[0].strip(), str(path))
    token = (environ.get("CKAN_API_KEY") or "").strip()
    return _checked_token(token, "CKAN_API_KEY") if token else None


def _checked_token(token: str, where: str) -> str:
    """A token is one word of visible ASCII: anything else (a line break, a space) would end up in an
    error message of the HTTP library, token included. Nothing of it is shown."""
    if not re.fullmatch(r"[\x21-\x7e]+", token):
        raise UnusableInput(f"{where}: the CKAN API token holds spaces, line breaks or other characters a "
                            "token never has.", "Copy the token again from your CKAN user page, alone on one line.")
    return token


def without_userinfo(url: str, warn) -> str:
    """The portal address without `user:password@`: a token there would be printed with every message."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.username is None and parts.password is None:
            return url
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    except ValueError:
        raise UnusableInput("--url is not a web address.", "Give the portal's address, e.g. https://data.example.fr.")
    warn("--url held a user name or password (user:…@): it was removed from the address and not used; "
         "give the token with --api-key-file or CKAN_API_KEY")
    return urlunsplit(parts._replace(netloc=host))


def _load(packages) -> list[tuple[Path, dict]]:
    """Package folders (or catalog.package.Packaged) -> (folder, resolved descriptor)."""
    loaded = []
    for item in packages:
        folder = Path(getattr(item, "folder", item))
        descriptor_path = folder / "datapackage.json"
        try:
            descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise UnusableInput(f"{descriptor_path}: not a package written by `catalog package` ({error}).",
                                "Run `catalog package` first, or name the dataset folders.") from None
        if not (descriptor.get("catalog") or {}).get("publisher"):
            raise UnusableInput(f"{descriptor_path}: the package names no publisher.",
                                "Package it again with `catalog package`.")
        loaded.append((folder, descriptor))
    return loaded


def extensions(client: Client) -> list[str]:
    """The portal's extensions (status_show lists them): datastore, xloader…"""
    try:
        return client.call("status_show").get("extensions") or []
    except PortalFailure as error:
        raise UnusableInput(f"Could not read the portal: {error}.",
                            "Check --url and that the portal is up; nothing was written.") from None


def check_token(client: Client) -> dict:
    """The token's user. A token the portal does not know is taken for an anonymous visitor:
    said before anything else."""
    try:
        return client.call("user_show")
    except NotFound:
        raise UnusableInput(f"{client.url} does not know this API token (it answers as to an anonymous visitor); "
                            "nothing was written.", "Give a valid token with CKAN_API_KEY or --api-key-file "
                                                    "(the portal's user page, API tokens tab).") from None
    except PortalFailure as error:
        raise UnusableInput(f"Could not read the portal: {error}.",
                            "Check --url and that the portal is up; nothing was written.") from None


def has_datastore(client: Client) -> bool:
    """Whether the portal runs the DataStore extension."""
    return "datastore" in extensions(client)


def portal_options(client: Client, licence_map: dict | None = None, **options) -> Options:
    """Plan options from what the portal offers: its DataStore and xloader, its licence list."""
    offered = extensions(client)
    datastore = "datastore" in offered
    options.setdefault("xloader", "xloader" in offered)
    try:
        licences = LicenceChooser(client.call("license_list"), licence_map)
    except PortalFailure as error:
        raise UnusableInput(f"Could not read the portal: {error}.",
                            "Check --url and that the portal is up; nothing was written.") from None
    return Options(datastore=datastore, licences=licences, portal_url=client.url, **options)


def plan(packages, client: Client, options: Options | None = None, profiles=None) -> list[Step]:
    """Every step publishing `packages` takes, from what the portal holds now; writes nothing.

    `options` default to what the portal offers (portal_options)."""
    profiles = profiles or {}
    steps, organisations = [], {}
    options = options or portal_options(client)
    try:
        local = set()
        loaded = _load(packages)
        if options.datastore:
            options.aliases = ckan_tables.read_aliases(client, [
                alias for _, descriptor in loaded for entry in descriptor.get("resources") or []
                for alias in [alias_name(descriptor["catalog"]["publisher"], descriptor["name"], entry.get("name", ""))]])
        for folder, descriptor in loaded:
            publisher = descriptor["catalog"]["publisher"]
            if publisher not in organisations:
                organisations[publisher] = client.show("organization_show", publisher)
                fields = organisation_fields(descriptor, profiles.get(publisher))
                steps.append(organisation_step(fields, organisations[publisher], logo_file(profiles.get(publisher))))
            local.add(dataset_name(descriptor))
            try:
                current = client.show("package_show", dataset_name(descriptor))
            except PortalFailure as error:
                if not error.auth:
                    raise
                # Private on the portal, and this token (or none) may not see it.
                steps.append(Step(HIDDEN, "dataset", dataset_name(descriptor), "private on the portal: a token "
                                  "that may see it is needed to plan it", dataset=dataset_name(descriptor)))
                continue
            if options.groups:
                steps += _group_steps(client, descriptor, options)
            planned = dataset_steps(folder, descriptor, current, options)
            _foresee_alias_collisions(client, planned, current, options)
            steps += planned
        if options.orphans:
            for publisher in sorted(set(profiles) | set(organisations)):
                organisation = organisations.get(publisher) or client.show("organization_show", publisher)
                for current in _published(client, organisation):
                    if current["name"] not in local:
                        steps.append(orphan_step(current, options.prune))
    except PortalFailure as error:
        raise UnusableInput(f"Could not read the portal: {error}.",
                            "Check --url and that the portal is up; nothing was written.") from None
    return steps


def _group_steps(client: Client, descriptor: dict, options: Options) -> list[Step]:
    """The CKAN groups of a dataset's EU themes, created when the portal lacks them (first use only)."""
    steps = []
    for name, fields in theme_groups(descriptor).items():
        if name not in options.known_groups:
            options.known_groups[name] = client.show("group_show", name) is not None
            if not options.known_groups[name]:
                steps.append(Step(CREATE, "group", name, "EU theme " + fields["title"], data=fields))
                options.known_groups[name] = True
    return steps


def _foresee_alias_collisions(client: Client, steps: list[Step], current: dict | None, options: Options):
    """An alias that another dataset's live table holds will not be ours: said before anything is written."""
    ours = {r["id"] for r in (current or {}).get("resources") or []}
    for step in steps:
        if step.kind != "datastore" or not step.writes or not step.data.get("aliases"):
            continue
        alias = step.data["aliases"][0]
        holder = options.aliases.get(alias)
        if holder and holder not in ours and ckan_tables.alias_taken(client, holder, (current or {}).get("id")):
            options.warnings.append(f"{step.name}: the DataStore alias {alias} already names another dataset's "
                                    "table; this one will be reachable by its resource id only")


def _published(client: Client, organisation: dict | None):
    """The datasets of an organisation that this tool published (they carry `catalog_id`).

    Listing needs the search index (package_search); private ones are seen with a token that may."""
    if not organisation:
        return
    start = 0
    while True:
        page = client.call("package_search", fq=f'owner_org:"{organisation["id"]}"', include_private=True,
                           rows=500, start=start)
        for package in page.get("results") or []:
            if any(e.get("key") == "catalog_id" for e in package.get("extras") or []):
                yield package
        start += 500
        if start >= (page.get("count") or 0):
            return


def publish(packages, client: Client, options: Options | None = None, profiles=None, progress=None, on_step=None,
            steps=None) -> CkanResult:
    """Carry out the plan. `progress(label, done, total)` follows DataStore loads;
    `on_step(step)` is called after each write. Raises PartialPublication if the portal fails."""
    started = time.monotonic()
    options = options or portal_options(client)
    result = CkanResult(client.url, steps if steps is not None else plan(packages, client, options, profiles))
    ids: dict = {}
    for step in result.steps:
        if step.target:
            ids[_id_key(step)] = step.target

    def done(step):
        result.done.append(step)
        if on_step:
            on_step(step)

    tracker = ckan_revise.Tracker(done)
    for dataset, batch in _batches(result.steps):
        tracker.at(next(s for s in batch if s.writes))
        try:
            if dataset:
                result.rows += ckan_revise.write_dataset(client, batch, ids, tracker, options, progress,
                                                         result.warnings.append)
            else:
                result.rows += _execute(batch[0], client, ids, progress, result.warnings.append, options)
                done(batch[0])
        except (PortalFailure, ValidationError, NotFound) as error:
            step = tracker.step
            message = (str(error) if isinstance(error, PortalFailure)
                       else describe(error, f"{step.action} {step.kind}", client.url))
            if getattr(error, "auth", False) and not result.done:
                raise UnusableInput(f"Nothing was published to {client.url}: {message}.",
                                    "Give a valid token with CKAN_API_KEY or --api-key-file.") from None
            fix = (RIGHTS if getattr(error, "auth", False) else FIX if isinstance(error, PortalFailure)
                   else REJECTED)
            # What was worth a warning before it stopped is said too (it would be lost with the run).
            warned = "".join(f"\n  Warning: {w}." for w in options.licences.warnings.values()) + \
                "".join(f"\n  Warning: {w}." for w in options.warnings + result.warnings)
            raise PartialPublication(_stopped(result, step, message) + warned, fix) from None
    result.seconds = time.monotonic() - started
    return result


def _execute(step: Step, client: Client, ids: dict, progress, warn, options: Options) -> int:
    """A step of its own: an organisation, a group, a dataset pruned (a dataset's own steps: ckan_revise)."""
    data = dict(step.data)
    if step.kind == "organisation":
        answer = client.call("organization_create" if step.action == CREATE else "organization_patch",
                             **data, **({"id": step.target} if step.target else {}))
        ids[_id_key(step)] = answer["id"]
        if step.path:  # the publisher's logo, as the organisation's image
            try:
                client.upload("organization_patch", step.path, field="image_upload", id=answer["id"])
            except ValidationError as error:  # e.g. a type the portal does not take (CKAN: PNG, JPEG, GIF)
                warn(f"{step.name}: the portal refused the logo {step.path.name} "
                     f"({describe(error, 'organization_patch', client.url)}); save it as PNG")
    elif step.kind == "group":
        client.call("group_create", **data)
    elif step.kind == "dataset" and step.action == PRUNE:
        if data.get("delete"):
            client.call("package_delete", id=step.target)
        else:
            client.call("package_patch", id=step.target, **data)
    return 0


def _batches(steps: list[Step]):
    """The writing steps in runs: one per dataset (its resources and tables with it, see
    ckan_revise), and each other step (organisation, group, pruned dataset) alone."""
    batch, key = [], None
    for step in steps + [None]:
        mine = step and (step.dataset if step.kind in ("resource", "datastore", "alias") or (
            step.kind == "dataset" and step.action != PRUNE) else None)
        if batch and (mine is None or mine != key):
            if any(s.writes for s in batch):
                yield key is not None, batch
            batch = []
        if step is not None:
            batch.append(step)
        key = mine


def _id_key(step: Step):
    """Where the portal id of what a step is about is kept: a table shares its resource's."""
    if step.kind in ("resource", "datastore"):
        return ("resource", step.dataset, step.key)
    return (step.kind, step.name)


def _stopped(result: CkanResult, failed: Step, message: str) -> str:
    pending = [s for s in result.steps if s.writes and s not in result.done]

    def listing(steps, limit=12):
        lines = [f"    {s.action} {s.kind} {s.name}" for s in steps[:limit]]
        if len(steps) > limit:
            lines.append(f"    … and {len(steps) - limit} more")
        return "\n".join(lines) or "    nothing"

    return (f"Publication to {result.url} stopped at {failed.action} {failed.kind} {failed.name}: {message}.\n"
            f"  Published ({len(result.done)}):\n{listing(result.done)}\n"
            f"  Not published ({len(pending)}):\n{listing(pending)}")


def publish_ckan(paths=(), root: Path = Path("."), out: Path = Path("build/packages"), *, url: str,
                 api_key: str | None = None, dry_run: bool = False, prune: str | None = None, timeout: float = 120,
                 force: bool = False,
                 progress=None, on_step=None, licence_map: dict | None = None,
                 hub_url: str | None = None, min_quality: int = DEFAULT_MIN_QUALITY) -> CkanResult:
    """Package the datasets named by `paths` (all when empty) that pass the quality gate
    (`catalog.publish.gate`), then plan or publish them.

    `licence_map`: {hub licence: portal licence id} for licences the portal's list lacks;
    `hub_url`: the hub's public address, for each dataset's page (`url`)."""
    from catalog.package import PackageRun, dataset_folders, package
    from catalog.publishers import load_publishers

    stripped = []
    url = without_userinfo(url, stripped.append)
    if not url.startswith(("http://", "https://")):
        raise UnusableInput(f"--url {url!r} is not a web address.",
                            "Give the portal's address, e.g. https://data.example.fr.")
    if not dry_run and not api_key:
        raise UnusableInput("No CKAN API token: publishing needs one.",
                            "Set CKAN_API_KEY or pass --api-key-file FILE "
                            "(a token of a sysadmin or of an editor of the organisations).")
    root = Path(root)
    # A dry run packages aside, so that it writes nothing at all, not even build/.
    # It is held while the run lives: the next run removes it if this one is killed.
    held = contextlib.ExitStack()  # the packages stay as planned until published: no other run writes them
    scratch = held.enter_context(scratch_folder("catalog-dry-run-")) if dry_run else None
    client = Client(url, api_key, timeout)
    held.enter_context(writing_packages(scratch or Path(out)))
    try:
        extensions(client)  # first: is it a CKAN at all?
        user = check_token(client) if api_key else {}
        folders = dataset_folders(paths, root)
        gated = refusals(folders, root, min_quality)
        passing = [str(f) for f in folders if f not in {folder for folder, _ in gated.values()}]
        run = package(passing, root, scratch or Path(out)) if passing or not folders else PackageRun()
        run.refused.update({name: why for name, (_, why) in gated.items()})
        profiles = load_publishers(root)
        # Orphans are only known when every dataset is published (no PATH named).
        options = portal_options(client, licence_map, prune=prune or None, force=force, hub_url=hub_url,
                                 orphans=not paths, groups=bool(user.get("sysadmin")) or (dry_run and not api_key))
        steps = plan(run.packaged, client, options, profiles)
        # A dataset refused here keeps its published version: it is no orphan (nothing pruned).
        kept = {dataset_name({"catalog": {"publisher": i.split("/")[0]}, "name": i.split("/")[-1]}) for i in run.refused}
        steps = [s for s in steps if not (s.kind == "dataset" and s.name in kept and s.action in (ORPHAN, PRUNE))]
        if dry_run:
            result = CkanResult(client.url, steps)
        else:
            result = publish(run.packaged, client, options, profiles, progress, on_step, steps=steps)
        result.refused, result.unreadable = dict(run.refused), set(run.unreadable)
        result.warnings[:0] = stripped + list(options.licences.warnings.values()) + options.warnings
        result.warnings += [f"{s.name}: {s.why}" for s in steps if s.action in (CONFLICT, ORPHAN, HIDDEN)]
        if not options.datastore:
            result.warnings.insert(0, f"{client.url} has no DataStore (the `datastore` extension is not enabled): "
                                      "files are published, tables are not loaded")
        return result
    except CatalogError as error:
        # The warnings so far go with the error: a run that stops must not lose them.
        error.message += "".join(f"\n  Warning: {w}." for w in stripped)
        raise
    finally:
        client.close()
        held.close()
