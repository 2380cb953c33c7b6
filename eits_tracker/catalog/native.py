"""Read and write the native catalogue JSON, with errors that name the file and field."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError as PydanticValidationError

from eits_tracker.catalog.model import CatalogEdition
from eits_tracker.errors import CatalogError


def dumps(edition: CatalogEdition) -> str:
    """Serialise deterministically: same edition, same bytes (the shipped files are compared to a rebuild)."""
    data = edition.model_dump(mode="json")
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def write(edition: CatalogEdition, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dumps(edition.with_checksum()), encoding="utf-8")
    tmp.replace(path)


def parse(text: str, *, source: str) -> CatalogEdition:
    """Parse native JSON text; ``source`` names the file in error messages."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(
            f"{source}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}). "
            "The file may be truncated; rebuild it with 'make catalog' or export it again."
        ) from None
    return validate(data, source=source)


def validate(data: object, *, source: str) -> CatalogEdition:
    if not isinstance(data, dict) or data.get("format") != "eits-tracker-catalog":
        raise CatalogError(
            f'{source}: not an eits-tracker catalogue (expected "format": "eits-tracker-catalog"). '
            "To import another format, pass --format (api-v2, ciso, flat2024, oscal)."
        )
    try:
        edition = CatalogEdition.model_validate(data)
    except PydanticValidationError as exc:
        raise CatalogError(f"{source}: {format_pydantic(exc)}") from None
    if edition.edition.sha256 and edition.edition.sha256 != edition.content_sha256():
        raise CatalogError(
            f"{source}: edition.sha256 does not match the content: the file was changed by hand or damaged. "
            "Rebuild it with 'make catalog' or remove the sha256 value to accept the edit."
        )
    return edition


def read(path: Path) -> CatalogEdition:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"{path}: file not found.") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 text at byte {exc.start}.") from None
    return parse(text, source=str(path))


def format_pydantic(exc: PydanticValidationError, limit: int = 10) -> str:
    """One line per problem, each naming the field path, e.g. ``measures.17.level``."""
    lines = []
    for err in exc.errors()[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"{where}: {err['msg']}")
    more = f" (and {exc.error_count() - limit} more)" if exc.error_count() > limit else ""
    return "; ".join(lines) + more
