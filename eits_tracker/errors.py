"""The one error road: every failure a user can cause is an EitsError.

Domain code raises an EitsError with a short title and a plain sentence that
says what happened and what to do. The CLI prints it to stderr and exits 2;
the terminal app shows it. A traceback reaching a user is a bug.
"""

from __future__ import annotations


class EitsError(Exception):
    """A failure the user can act on."""

    title = "Error"

    def __init__(self, message: str, *, title: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: The input field the error is about (a spreadsheet column, a form field), where there is one.
        self.field = field
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ConfigError(EitsError):
    title = "Configuration error"


class DatabaseError(EitsError):
    title = "Database error"


class CatalogError(EitsError):
    """A catalogue file is malformed, truncated or inconsistent."""

    title = "Catalogue error"


class NotFoundError(EitsError):
    title = "Not found"


class ValidationError(EitsError):
    """User input (a status, a spreadsheet row, an option) is not acceptable."""

    title = "Invalid input"


class ImportFileError(ValidationError):
    """A file to import has errors; ``problems`` lists each with its place."""

    title = "Import refused"

    def __init__(self, path: str, problems: list[str]) -> None:
        shown = problems[:50]
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{path}: {len(problems)} problem(s), nothing was imported:\n  "
            + "\n  ".join(shown)
            + more
            + "\nFix the file and import it again."
        )
        self.path = path
        self.problems = problems
