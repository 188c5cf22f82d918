"""The quality gate every publication passes: a dataset under the minimum metadata quality,
without a title, or with placeholders `catalog describe` left, is not published.

Decided from the source descriptor (not the package), so a dataset packaged earlier by
`catalog package` cannot slip past it."""
from __future__ import annotations

from pathlib import Path

from catalog import placeholders
from catalog.datasets import load_dataset
from catalog.errors import UnusableInput
from catalog.findings import Target

DEFAULT_MIN_QUALITY = 60


def refusals(folders: list[Path], root: Path, min_quality: int = DEFAULT_MIN_QUALITY,
             loaded: dict | None = None) -> dict[str, tuple[Path, str]]:
    """Dataset id -> (folder, why) for each dataset the gate refuses. Unreadable ones are left to
    validation, which says what is wrong with them. `loaded`: folder -> dataset already read."""
    from catalog.publishers import check_profile
    from catalog.validate.metadata import quality

    refused, profiles = {}, {}  # a publisher's profile is checked once, not once per dataset
    for folder in folders:
        try:
            dataset = (loaded or {}).get(folder) or load_dataset(folder)
        except UnusableInput:
            continue
        reasons = []
        title = dataset.descriptor.get("title")
        if not isinstance(title, str) or not title.strip() or placeholders.is_placeholder(title):
            reasons.append('it has no title (add "title" to its descriptor)')
        left = [key for key, _ in placeholders.find(dataset.descriptor)]
        if left:
            reasons.append(f"placeholders left by `catalog describe` are still to fill in: {', '.join(left)}")
        profile = Path(root) / "publishers" / f"{dataset.publisher}.yml"
        if profile not in profiles:
            profiles[profile] = profile.is_file() and check_profile(profile)[0] is not None
        criteria = quality(dataset, profiles[profile])
        score = Target("dataset", dataset.id, str(folder), quality=criteria).score
        if score < min_quality:
            unmet = "; ".join(f"{c.name} ({c.fix})" for c in criteria if not c.met)
            reasons.append(f"its metadata quality is {score}/100, under --min-quality {min_quality}; unmet: {unmet}")
        if reasons:
            refused[dataset.id] = (folder, "; ".join(reasons))
    return refused
