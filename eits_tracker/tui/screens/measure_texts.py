"""What the workspace shows about one measure, as text: pure functions of the measure detail.

Kept apart from the screen so the screen holds behaviour (keys, saving, drafts) and this
holds wording; both languages come from ``_()``.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from eits_tracker.timeutil import show
from eits_tracker.tui import format as fmt
from eits_tracker.tui.i18n import _, level_label


def short_level(level: str) -> str:
    return {"basic": _("basic"), "standard": _("std"), "high": _("high")}.get(level, level)


def source_label(source: str) -> str:
    return {
        "tui": _("app"),
        "cli": _("command line"),
        "import": _("spreadsheet import"),
        "migration": _("edition change"),
        "demo": _("demo data"),
        "session": _("mentoring session"),
    }.get(source, source)


def field_name(name: str) -> str:
    return {
        "justification": _("justification"),
        "approved_by": _("approved by"),
        "approval_date": _("approval date"),
        "decision_ref": _("decision"),
        "review_date": _("review date"),
        "owner": _("owner"),
        "due_date": _("due date"),
        "implementation": _("implementation"),
        "remaining": _("remaining work"),
        "priority": _("priority"),
        "cost_eur": _("cost"),
        "next_review": _("next review"),
        "note": _("note"),
        "evidence": _("evidence"),
    }.get(name, name)


def measure_markdown(d: Any) -> str:
    """The measure pane: title, level, module, roles, lifecycle, CIA, review flag, text, threats."""
    meta = [
        f"**{_('Level')}:** {level_label(d.level)}",
        f"**{_('Module')}:** {d.module_code} {d.module_title}",
    ]
    if d.responsible:
        roles = d.responsible + (f" ({', '.join(d.co_assignees)})" if d.co_assignees else "")
        meta.append(f"**{_('Responsible')}:** {roles}")
    if d.lifecycle:
        meta.append(f"**{_('Lifecycle')}:** {d.lifecycle}")
    if d.cia:
        meta.append(f"**{_('CIA')}:** {d.cia}")
    review = [t for t in d.targets if t["needs_review"]]
    text = [f"**{d.code} {d.title}**", "  \n".join(meta)]
    if review:
        text.append(f"> ⚑ {_('Needs review after the edition change')}: {review[0]['review_reason']}")
    text.append(d.text or _("(no text in the catalogue)"))
    if d.threats:
        text.append(f"**{_('Threats')}:** " + "; ".join(f"{c} {t}" for c, t in d.threats))
    return "\n\n".join(text)


def targets_text(d: Any) -> Text:
    """Each target object's status, justification and who set it."""
    return Text("\n").join(
        Text.assemble(
            (t["target"] + ": ", "bold"),
            fmt.status_cell(t["status"]),
            (f"  {t['justification']}" if t["justification"] else ""),
            (f"  ({t['updated_by']}, {show(t['updated_at'])})" if t["updated_by"] else "", "dim"),
        )
        for t in d.targets
    )


def history_text(d: Any) -> Text:
    """The history, newest first: when (Tallinn), who, from where, old → new, changed fields, note."""
    if not d.history:
        return Text(_("No changes recorded yet."), style="dim")
    lines = []
    for h in d.history:
        line = Text.assemble(
            (show(h["changed_at"]), "dim"),
            f"  {h['changed_by']} ({source_label(h['source'])})  ",
            fmt.status_cell(h["old_status"] or "not_assessed"),
            " → ",
            fmt.status_cell(h["new_status"]),
        )
        fields = [k for k in (h["changes"] or {}) if k != "archived"]
        if fields:
            line.append("  " + ", ".join(field_name(f) for f in fields), style="dim")
        if h["note"]:
            line.append(f"\n    {h['note']}")
        lines.append(line)
    return Text("\n").join(lines)
