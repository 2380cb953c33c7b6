"""Modal dialogs: justification, risk acceptance, a reason, a confirmation, a conflict.

Each returns what the user entered (or None when cancelled). The caller keeps the values
as a draft, so a dialog closed by accident or a refused save never loses what was typed.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from eits_tracker.tui.i18n import _, status_label, translate_bindings


class _Dialog(ModalScreen[Any]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Save"),
    ]

    def __init__(self) -> None:
        super().__init__()
        translate_bindings(self)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def buttons(self, ok: str) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button(ok, id="ok", variant="primary")
            yield Button(_("Cancel"), id="cancel")

    def error(self, message: str) -> None:
        self.query_one(".dialog-error", Label).update(message)


class TextDialog(_Dialog):
    """One required text: the justification of 'not applicable', the reason to exclude a module."""

    def __init__(self, title: str, prompt: str, value: str = "", *, required: bool = True) -> None:
        super().__init__()
        self.title_text, self.prompt, self.value, self.required = title, prompt, value, required

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(self.prompt)
            yield TextArea(self.value, id="text", soft_wrap=True)
            yield Label("", classes="dialog-error")
            yield from self.buttons(_("Save"))

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.move_cursor(area.document.end)  # continue a kept draft where it ended
        area.focus()

    def current(self) -> str:
        return self.query_one(TextArea).text

    def action_cancel(self) -> None:
        self.dismiss({"cancelled": True, "text": self.current()})

    def action_submit(self) -> None:
        text = self.current().strip()
        if self.required and not text:
            self.error(_("This cannot be empty."))
            return
        self.dismiss({"cancelled": False, "text": text})


RISK_FIELDS = (
    ("justification", "Why the risk is accepted"),
    ("approved_by", "Approved by (name, role)"),
    ("approval_date", "Approval date (YYYY-MM-DD)"),
    ("decision_ref", "Decision (e.g. order no. and date)"),
    ("review_date", "Review by (YYYY-MM-DD)"),
)


def _risk_label(name: str) -> str:
    return {
        "justification": _("Why the risk is accepted"),
        "approved_by": _("Approved by (name, role)"),
        "approval_date": _("Approval date (YYYY-MM-DD)"),
        "decision_ref": _("Decision (e.g. order no. and date)"),
        "review_date": _("Review by (YYYY-MM-DD)"),
    }[name]


class RiskDialog(_Dialog):
    """The record an accepted risk needs: who decided, when, by which decision, when it is reviewed."""

    def __init__(self, codes: list[str], values: dict[str, str] | None = None) -> None:
        super().__init__()
        self.codes = codes
        self.values = values or {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(_("Accept the risk: {codes}").format(codes=", ".join(self.codes[:4])), classes="dialog-title")
            for name, _english in RISK_FIELDS:
                yield Label(_risk_label(name))
                yield Input(self.values.get(name, ""), id=f"risk-{name}")
            yield Label("", classes="dialog-error")
            yield from self.buttons(_("Save"))

    def current(self) -> dict[str, str]:
        return {name: self.query_one(f"#risk-{name}", Input).value for name, _english in RISK_FIELDS}

    def action_cancel(self) -> None:
        self.dismiss({"cancelled": True, **self.current()})

    def action_submit(self) -> None:
        values = self.current()
        missing = [name for name, value in values.items() if not value.strip()]
        if missing:
            self.error(_("Fill in: {fields}").format(fields=", ".join(_risk_label(n) for n in missing)))
            self.query_one(f"#risk-{missing[0]}", Input).focus()
            return
        self.dismiss({"cancelled": False, **values})


class ConfirmDialog(_Dialog):
    def __init__(self, title: str, text: str, ok: str) -> None:
        super().__init__()
        self.title_text, self.text, self.ok = title, text, ok

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.text)
            yield Label("", classes="dialog-error")
            yield from self.buttons(self.ok)

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def action_submit(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ConflictDialog(_Dialog):
    """Someone else changed the measure since it was read: show both, let the user choose."""

    BINDINGS = [
        Binding("escape", "cancel", "Take theirs"),
        Binding("ctrl+s", "submit", "Keep mine"),
        Binding("m", "merge", "Merge the notes"),
    ]

    def __init__(self, code: str, theirs: dict[str, Any], mine: dict[str, Any], *, can_merge: bool = False) -> None:
        super().__init__()
        self.code, self.theirs, self.mine, self.can_merge = code, theirs, mine, can_merge

    def compose(self) -> ComposeResult:
        def describe(values: dict[str, Any]) -> str:
            lines = []
            if values.get("status"):
                lines.append(f"{_('Status')}: {status_label(values['status'])}")
            for key, label in (("owner", _("Owner")), ("due_date", _("Due")), ("note", _("Note"))):
                if values.get(key) not in (None, ""):
                    lines.append(f"{label}: {values[key]}")
            if values.get("updated_by"):
                lines.append(f"({values['updated_by']}, {values.get('updated_at', '')})")
            return "\n".join(lines) or "–"

        with Vertical(classes="dialog"):
            yield Label(_("{code} was changed by someone else").format(code=self.code), classes="dialog-title")
            with Horizontal(id="conflict-sides"):
                with Vertical():
                    yield Label(_("Theirs (saved)"), classes="bold")
                    yield Static(describe(self.theirs), markup=False)
                with Vertical():
                    yield Label(_("Yours (not saved)"), classes="bold")
                    yield Static(describe(self.mine), markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Keep mine"), id="ok", variant="warning")
                if self.can_merge:
                    yield Button(_("Merge the notes"), id="merge")
                yield Button(_("Take theirs"), id="cancel")

    def action_submit(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#merge")
    def action_merge(self) -> None:
        """Mine, with their note kept above mine."""
        if self.can_merge:
            self.dismiss("merge")

    def action_cancel(self) -> None:
        self.dismiss(False)
