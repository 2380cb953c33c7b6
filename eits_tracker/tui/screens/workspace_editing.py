"""The workspace's editing half: the owner / due date / note form, status keys on one or many measures,
saving with a version check, and resolving a conflict with a concurrent save (keep, take or merge).

Mixed into :class:`~eits_tracker.tui.screens.workspace.WorkspaceScreen`, whose state it uses (``rows``,
``detail``, ``drafts``, ``marked``, ``dialog_drafts``, ``by_module``); the screen keeps the widgets, the
event handlers and the reading half.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Label, TextArea

from eits_tracker.errors import EitsError
from eits_tracker.timeutil import show
from eits_tracker.tracking.statuses import ConflictError
from eits_tracker.tui import format as fmt
from eits_tracker.tui.i18n import _
from eits_tracker.tui.rowtable import RowTable
from eits_tracker.tui.screens.dialogs import ConflictDialog, RiskDialog, TextDialog
from eits_tracker.tui.work import run_db

EDIT_FIELDS = ("owner", "due_date", "note")


class WorkspaceEditing:
    """Editing and saving for the workspace screen (a mixin; see the module docstring)."""

    app: Any
    municipality_id: int
    rows: dict[str, Any]
    detail: Any
    drafts: dict[str, dict[str, str]]
    marked: set[str]
    dialog_drafts: dict[Any, dict[str, Any]]
    by_module: dict[str, list[str]]
    ws: Any
    _filling: bool

    def _saved_values(self, d: Any) -> dict[str, str]:
        first = d.targets[0] if d.targets else {}
        return {
            "owner": first.get("owner") or "",
            "due_date": fmt.day(first.get("due_date")),
            "note": first.get("note") or "",
        }

    def _fill_form(self, d: Any) -> None:
        values = {**self._saved_values(d), **self.drafts.get(d.code, {})}
        self._filling = True
        try:
            self.query_one("#ed-owner", Input).value = values["owner"]
            self.query_one("#ed-due_date", Input).value = values["due_date"]
            self.query_one("#ed-note", TextArea).text = values["note"]
        finally:
            self._filling = False
        self._form_state()

    def _form_values(self) -> dict[str, str]:
        return {
            "owner": self.query_one("#ed-owner", Input).value,
            "due_date": self.query_one("#ed-due_date", Input).value,
            "note": self.query_one("#ed-note", TextArea).text,
        }

    def _form_state(self) -> None:
        dirty = self.detail is not None and self.detail.code in self.drafts
        self.query_one("#ed-state", Label).update(_("● unsaved") if dirty else "")

    def has_unsaved(self) -> bool:
        return bool(self.drafts)

    def targets_of_action(self) -> list[str]:
        if self.marked:
            return [c for c in self.rows if c in self.marked]
        code = self.current_code()
        return [code] if code else []

    def action_status(self, status: str) -> None:
        codes = self.targets_of_action()
        if not codes:
            return
        if status == "not_applicable":
            key = (",".join(codes), "justification")
            kept = self.dialog_drafts.get(key, {}).get("text", "")

            def got(result: dict[str, Any] | None) -> None:
                if not result:
                    return
                self.dialog_drafts[key] = {"text": result["text"]}
                if not result["cancelled"]:
                    self.save(codes, status, draft_key=key, justification=result["text"])

            self.app.push_screen(
                TextDialog(
                    _("Not applicable: {codes}").format(codes=", ".join(codes[:4])),
                    _("Why does the measure not apply here?"),
                    kept,
                ),
                got,
            )
            return
        if status == "risk_accepted":
            key = (",".join(codes), "risk")

            def got_risk(result: dict[str, Any] | None) -> None:
                if not result:
                    return
                values = {k: v for k, v in result.items() if k != "cancelled"}
                self.dialog_drafts[key] = values
                if not result["cancelled"]:
                    self.save(codes, status, draft_key=key, **values)

            self.app.push_screen(RiskDialog(codes, self.dialog_drafts.get(key)), got_risk)
            return
        self.save(codes, status)

    def save(
        self, codes: list[str], status: str | None, *, draft_key: Any = None, force: bool = False, **fields: Any
    ) -> None:
        from eits_tracker.tracking.workspace import save_measures

        app: Any = self.app
        expected = None if force else {c: dict(self.rows[c].versions) for c in codes if c in self.rows}

        def write(session: Any) -> list[Any]:
            return save_measures(
                session,
                municipality_id=self.municipality_id,
                codes=codes,
                status=status,
                actor=app.actor,
                expected=expected,
                risk_acceptance_basic=app.settings.risk_acceptance_basic,
                **fields,
            )

        def done(rows: list[Any]) -> None:
            self.update_rows(rows)
            if draft_key is not None:
                self.dialog_drafts.pop(draft_key, None)
            if status is None:
                for c in codes:
                    self.drafts.pop(c, None)
            if len(codes) > 1:
                self.marked.clear()
                self.refill()
                self.notify(_("Saved {n} measures.").format(n=len(codes)), timeout=3)
            if self.detail is not None and self.detail.code in codes:
                self.show_detail(self.detail.code, force=True)
            self.refresh_progress()

        def failed(error: EitsError) -> None:
            if isinstance(error, ConflictError):
                self.resolve_conflict(codes, status, error, draft_key=draft_key, **fields)

        run_db(self, write, done, write=True, group="ws-save", failed=failed)

    def resolve_conflict(self, codes: list[str], status: str | None, error: ConflictError, **kw: Any) -> None:
        row = error.current
        theirs = {
            "status": row.status,
            "owner": row.owner,
            "due_date": fmt.day(row.due_date),
            "note": row.note,
            "updated_by": row.updated_by,
            "updated_at": show(row.updated_at),
        }
        mine = {"status": status, **{k: v for k, v in kw.items() if k in EDIT_FIELDS}}

        def decided(keep: bool | str | None) -> None:
            if keep == "merge":
                merged = dict(kw)
                merged["note"] = merge_notes(row.note, str(kw.get("note") or ""))
                self.save(codes, status, force=True, **merged)
            elif keep:
                self.save(codes, status, force=True, **kw)
            else:
                for c in codes:
                    self.drafts.pop(c, None)
                self.load()

        can_merge = bool(row.note and kw.get("note") and row.note.strip() != str(kw["note"]).strip())
        self.app.push_screen(ConflictDialog(", ".join(codes[:3]), theirs, mine, can_merge=can_merge), decided)

    def refresh_progress(self) -> None:
        from eits_tracker.db import models as m
        from eits_tracker.tracking.maturity import maturity_of, module_progress

        def read(session: Any) -> tuple[Any, Any]:
            muni = session.get(m.Municipality, self.municipality_id)
            return module_progress(session, muni), maturity_of(session, muni)

        def done(result: tuple[Any, Any]) -> None:
            self.ws.progress, self.ws.maturity = result
            self._refresh_tree_labels()
            self._title()

        run_db(self, read, done, group="ws-progress", exclusive=True)

    def action_save_edits(self) -> None:
        if self.detail is None:
            return
        code = self.detail.code
        values = self.drafts.get(code)
        if not values:
            self.notify(_("Nothing to save."), timeout=2)
            return
        self.save([code], None, **values)

    def action_mark(self) -> None:
        code = self.current_code()
        if code is None:
            return
        self.marked.symmetric_difference_update({code})
        table = self.query_one("#ws-measures", RowTable)
        table.update_row(code, self._cells(self.rows[code]))
        table.action_cursor(1)

    def action_bulk_module(self) -> None:
        code = self.current_code()
        if code is None:
            return
        module = self.rows[code].module
        codes = self.by_module.get(module, [])

        def chosen(result: dict[str, Any] | None) -> None:
            if not result or result["cancelled"]:
                return
            from eits_tracker.tracking.vocab import parse_status

            try:
                status = parse_status(result["text"])
            except EitsError as exc:
                self.app.show_error(exc)  # type: ignore[attr-defined]
                return
            if status in ("not_applicable", "risk_accepted"):
                self.marked = set(codes)
                self.action_status(status)
                return
            self.save(codes, status)

        self.app.push_screen(
            TextDialog(
                _("Set a status on all {n} measures of {module}").format(n=len(codes), module=module),
                _("Status (R, O, E, P, A or its name):"),
            ),
            chosen,
        )


def merge_notes(theirs: str, mine: str) -> str:
    """Both notes, theirs first (it was saved first), each once."""
    theirs, mine = theirs.strip(), mine.strip()
    if not theirs or mine.startswith(theirs):
        return mine
    if not mine or theirs.startswith(mine):
        return theirs
    return f"{theirs}\n\n{mine}"
