"""The wiki editor: title, tags, codes, and the text in a Markdown editor with a live preview beside it.

What is typed is kept as a draft in the database as you type (Escape closes and keeps it; it comes
back when the page is opened for editing again). Ctrl+S saves with the version the editor started
from: when someone saved the page meanwhile the save is refused, the text stays in the editor and
in the draft, and a second Ctrl+S saves it over theirs (theirs stays in the page's history).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, TextArea

from eits_tracker.tui.drafting import DraftAutosave
from eits_tracker.tui.i18n import _, translate_bindings
from eits_tracker.tui.suggest import ListSuggester
from eits_tracker.tui.widgets import KeyBar, MarkdownText
from eits_tracker.tui.work import run_db

FIELDS = {"title": "#we-title", "slug": "#we-slug", "tags": "#we-tags", "modules": "#we-modules",
          "measures": "#we-measures"}  # fmt: skip


class WikiEditorScreen(DraftAutosave, Screen[None]):
    """Write a new page (``slug`` None) or edit one."""

    CSS_PATH = "wiki.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save page"),
        Binding("f2", "preview", "Preview"),
        Binding("escape", "close", "Close (keeps draft)"),
        Binding("f8", "discard", "Discard draft", show=False),
    ]

    def __init__(self, slug: str | None, *, codes: list[str] | None = None) -> None:
        super().__init__()
        translate_bindings(self)
        self.slug = slug
        self.codes = codes or []
        self.ctx: Any = None
        self.base_version: int | None = None
        self.init_drafts()

    def compose(self) -> ComposeResult:
        yield Label(_("Loading…"), id="we-heading", classes="screen-title")
        yield Label("", id="we-error", classes="form-error")
        with Horizontal(classes="we-row"):
            yield Label(_("Title"), classes="we-label")
            yield Input(id="we-title")
            yield Input(id="we-slug", placeholder=_("address (from the title)"))
        with Horizontal(classes="we-row"):
            yield Label(_("Tags"), classes="we-label")
            yield Input(id="we-tags", placeholder=_("comma-separated, e.g. varundus, väike vald"))
        with Horizontal(classes="we-row"):
            yield Label(_("E-ITS"), classes="we-label")
            yield Input(id="we-modules", placeholder=_("modules: CON.3, ORP.4"))
            yield Input(id="we-measures", placeholder=_("measures: CON.3.M2"))
        yield Label(_("Text (Markdown; [[ORP.4.M1]] links a measure, [[page-slug]] a page)"), classes="we-section")
        with Horizontal(id="we-panes"):
            yield TextArea.code_editor(
                "", language="markdown", id="we-body", soft_wrap=True, show_line_numbers=False, tab_behavior="focus"
            )
            with VerticalScroll(id="we-preview-box"):
                yield MarkdownText(id="we-preview")
        yield KeyBar()

    def on_mount(self) -> None:
        from eits_tracker.wiki.editing import editor_context

        self.query_one("#we-slug").display = self.slug is None
        app: Any = self.app
        run_db(self, lambda s: editor_context(s, self.slug, owner=app.actor, codes=self.codes), self._loaded)

    def _loaded(self, ctx: Any) -> None:
        self.ctx = ctx
        self.base_version = ctx.version
        heading = _("Edit: {title}").format(title=ctx.payload["title"]) if self.slug else _("New best-practice page")
        self.query_one("#we-heading", Label).update(heading)
        self.query_one("#we-modules", Input).suggester = ListSuggester(ctx.modules)
        self.query_one("#we-measures", Input).suggester = ListSuggester(ctx.measures)
        self.fill(ctx.draft if ctx.draft is not None else ctx.payload)
        if ctx.draft is not None:
            from eits_tracker.timeutil import show

            self.notify(
                _("Your unsaved draft from {time} is back. F8 discards it.").format(time=show(ctx.draft_saved_at)),
                title=_("Draft restored"),
                timeout=6,
            )
        self.query_one("#we-title" if not self.slug else "#we-body").focus()

    def fill(self, payload: dict[str, Any]) -> None:
        self.restoring = True
        try:
            for key, wid in FIELDS.items():
                self.query_one(wid, Input).value = str(payload.get(key) or "")
            self.query_one("#we-body", TextArea).text = str(payload.get("body") or "")
            self.refresh_preview()
        finally:
            self.call_after_refresh(self._restored)

    def _restored(self) -> None:
        self.restoring = False

    def payload(self) -> dict[str, str]:
        out = {key: self.query_one(wid, Input).value for key, wid in FIELDS.items()}
        out["body"] = self.query_one("#we-body", TextArea).text
        return out

    def refresh_preview(self) -> None:
        from eits_tracker.tui.screens.wiki_page import screen_markdown

        text = self.query_one("#we-body", TextArea).text
        titles = self.ctx.titles if self.ctx else {}
        catalogue = {**self.ctx.modules, **self.ctx.measures} if self.ctx else {}
        shown = screen_markdown(text, titles, catalogue, follow=False)
        self.query_one("#we-preview", MarkdownText).show(shown or _("(empty page)"))

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _edited(self, event: Any) -> None:
        if isinstance(event, TextArea.Changed) and self.query_one("#we-preview-box").display:
            self.refresh_preview()
        self.changed()

    def write_draft(self, session: Any, payload: dict[str, Any], owner: str) -> None:
        from eits_tracker.wiki.editing import keep_draft

        keep_draft(session, self.slug, owner=owner, payload=payload)

    def action_preview(self) -> None:
        box = self.query_one("#we-preview-box")
        box.display = not box.display
        if box.display:
            self.refresh_preview()

    def action_save(self) -> None:
        from eits_tracker.wiki.editing import save

        if self.ctx is None:
            return
        app: Any = self.app
        payload, slug, base = self.payload(), self.slug, self.base_version
        self.stop_autosave()
        self.dirty = True
        self.save_draft()  # whatever happens to the save, the text is in the database first

        run_db(
            self,
            lambda s: save(s, slug, payload, actor=app.actor, base_version=base),
            self._saved,
            write=True,
            failed=self._refused,
        )

    def _refused(self, error: Any) -> None:
        from eits_tracker.wiki.pages import PageConflict

        if isinstance(error, PageConflict):
            self.base_version = error.current_version
            self.error(
                _(
                    "{who} saved this page meanwhile (now version {version}). Your text is kept here and as a draft; "
                    "Ctrl+S saves it over theirs (theirs stays in the history), Esc closes and keeps the draft."
                ).format(who=error.updated_by or _("Someone"), version=error.current_version)
            )
        else:
            self.error(error.message)

    def _saved(self, result: tuple[str, int]) -> None:
        from eits_tracker.tui.screens.wiki_page import WikiPageScreen

        slug, version = result
        self.dirty = False
        app: Any = self.app

        def drop(session: Any) -> None:  # a draft save that was in flight must not bring it back
            from eits_tracker.wiki.editing import drop_draft

            drop_draft(session, self.slug, owner=app.actor)
            session.commit()

        run_db(app, drop, group="draft")
        app.notify(_("Saved as version {version}.").format(version=version), title=slug)
        if self.slug is None:
            self.app.switch_screen(WikiPageScreen(slug))
        else:
            self.dismiss()

    def error(self, message: str) -> None:
        self.query_one("#we-error", Label).update(message)

    def action_close(self) -> None:
        if self.dirty:
            self.stop_autosave()
            self.save_draft()
            self.app.notify(
                _("The draft is kept; open the editor again to continue."), title=_("Draft kept"), timeout=4
            )
        self.dismiss()

    def action_discard(self) -> None:
        from eits_tracker.tui.screens.dialogs import ConfirmDialog
        from eits_tracker.wiki.editing import drop_draft

        if self.ctx is None:
            return
        app: Any = self.app

        def decided(ok: bool | None) -> None:
            if not ok:
                return
            self.stop_autosave()

            def drop(session: Any) -> None:
                drop_draft(session, self.slug, owner=app.actor)
                session.commit()

            run_db(self, drop)
            self.dirty = False
            self.fill(self.ctx.payload)

        self.app.push_screen(
            ConfirmDialog(_("Discard draft"), _("Forget the draft and show the page as saved?"), _("Discard")), decided
        )
