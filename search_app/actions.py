"""What the page's buttons do: callbacks that change the session state before the page is drawn again.

They run before the page, so they may set widget state ("view")."""

from __future__ import annotations

import streamlit as st

from indexer.index import Index

from . import share
from . import timeline as tl

state = st.session_state


def open_issue(issue_id: str | None, passage: tuple[int, int] | None = None, used: tuple = ()) -> None:
    state.reading = {"issue": issue_id, "passage": passage, "used": used} if issue_id else None
    state.similar = None
    state.view = "issues"


def back_to_answer() -> None:
    state.reading, state.similar, state.view = None, None, "ask"


def ask(question: str) -> None:
    """Ask `question` (an example question, a question from the URL) as if typed."""
    state.pending, state.similar, state.view = question, None, "ask"


def show_similar(passage_id: int | None) -> None:
    state.similar = passage_id


def pick_period(key: str) -> None:
    state.period = tl.period_from_selection(state.get(key))


def clear_period() -> None:
    state.period, state.chart = None, state.chart + 1


def reading_at(index: Index, issue_id: str, at: int | None) -> dict | None:
    """The issue view's state for ?issue=ID&at=START: the passage of that issue that holds offset START."""
    if issue_id not in index.issues:
        return None
    passage = None
    if at is not None:
        spans = [(p.start, p.end) for p in index.passages if p.issue_id == issue_id]
        passage = next((s for s in spans if s[0] == at), None) or next((s for s in spans if s[0] <= at < s[1]), None)
    return {"issue": issue_id, "passage": passage, "used": ()}


def apply_shared(shared: share.Shared, index: Index, key: str, bounds) -> None:
    """Put what a URL asks for into the session, before the widgets are drawn (first run only)."""
    from .filters import day_of

    if shared.date_from or shared.date_to:
        if bounds:
            start = max(day_of(shared.date_from), bounds[0]) if shared.date_from else bounds[0]
            end = min(day_of(shared.date_to, last=True), bounds[1]) if shared.date_to else bounds[1]
            if start <= end:
                state[f"dates-{key}"] = (start, end)
    if shared.issues:
        state[f"issues-{key}"] = [i for i in shared.issues if i in index.issues]
    if shared.sites:
        known = set().union(*index.columns["domains"])
        state[f"sites-{key}"] = [s for s in shared.sites if s in known]
    if shared.issue and (reading := reading_at(index, shared.issue, shared.at)):
        state.reading, state.view = reading, "issues"
    elif shared.question:
        ask(shared.question)


def show_all_turns() -> None:
    """Draw the whole conversation, earlier questions included."""
    state.all_turns = True
