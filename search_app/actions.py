"""What the page's buttons and links do: callbacks that change the session state before the page is drawn again.

They run before the page, so they may set widget state ("view", "site_pick"). Where the reader is
(the view, the issue being read, the passage whose neighbours are shown, the site) is a `Place`; the
one back button of a view returns to the place the reader came from.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from indexer.search.index import Index

from . import share
from . import timeline as tl
from .filters import day_of

state = st.session_state
SITE_ITEMS = "site-items"  # the container of one site's items (st-key-site-items)
PLACE = ("view", "reading", "similar", "site_pick", "focus")  # the session state that says where the reader is


def here() -> dict:
    return {name: state.get(name) for name in PLACE}


def go(place: dict, *, back: dict | None = None) -> None:
    """Show `place`; the back button will return to `back`; the page starts at its top."""
    for name in PLACE:
        state[name] = place.get(name)
    state.view = state.view or "ask"
    state.back, state.scroll = back, "top"


def open_issue(issue_id: str | None, passage: tuple[int, int] | None = None, used: tuple = (), turn: int | None = None) -> None:
    """Open an issue (at a passage, its `used` sentences marked), or the list of issues when `issue_id` is None."""
    came_from = from_turn(turn)
    reading = {"issue": issue_id, "passage": passage, "used": used} if issue_id else None
    go({"view": "issues", "reading": reading}, back=came_from if issue_id else None)


def show_similar(passage_id: int, turn: int | None = None) -> None:
    go({**here(), "similar": passage_id}, back=from_turn(turn))


def from_turn(turn: int | None) -> dict:
    """Where the reader is, reading the answer to question `turn`: when it is an earlier answer than the one
    the address bar names, the browser's history gets that answer's address first (`state.history_before`),
    so that its Back button returns to it, as the page's own back button does."""
    focus = turn if turn is not None else state.get("focus")
    shown = state.get("focus") if state.get("focus") is not None else len(state.get("turns", [])) - 1
    if state.get("view") == "ask" and state.get("similar") is None and focus is not None and focus != shown:
        state.history_before = focus
    return {**here(), "focus": focus}


def go_back() -> None:
    """Back to where the reader came from; with nowhere recorded, one level up (an issue's list, the view under "more like this")."""
    back = state.get("back")
    if back is None:
        back = {**here(), "similar": None} if state.similar is not None else {"view": state.view}
    go(back)
    if back.get("view") == "ask":
        state.scroll = "turn"


def show_site() -> None:
    """A site picked in the sites view: its items, in view."""
    state.scroll = SITE_ITEMS


def switch_view() -> None:
    """The view picked at the top of the page: its first screen."""
    go({"view": state.view})


def ask(question: str) -> None:
    """Ask `question` (an example question, a question from the URL) as if typed."""
    state.pending = question
    go({"view": "ask"})


def pick_period(key: str) -> None:
    """A period brushed on the timeline: the sidebar shows it, so the whole page runs again."""
    state.period, state.rerun_app = tl.period_from_selection(state.get(key)), True


def clear_period() -> None:
    state.period, state.chart = None, state.chart + 1


def show_period(key: str, bounds: tuple[date, date] | None) -> None:
    """The sidebar's date picker (`dates-{key}`) shows the period brushed on the timeline, and what it showed
    before once the period is cleared: the two never disagree. Called before the picker is drawn."""
    name = f"dates-{key}"
    if not bounds or state.get("period_shown") == state.period:
        return
    if state.period:
        if not state.get("period_shown"):
            state.dates_before = state.get(name, bounds)
        start, end = (date.fromisoformat(day) for day in state.period)
        start, end = min(max(start, bounds[0]), bounds[1]), max(min(end, bounds[1]), bounds[0])
        state[name] = (start, max(start, end))
    else:
        state[name] = state.pop("dates_before", bounds)
    state.period_shown = state.period


def show_all_turns() -> None:
    """Draw the whole conversation, earlier questions included."""
    state.all_turns = True


def reading_at(index: Index, issue_id: str, at: int | None) -> dict:
    """The issue view's state for ?issue=ID&at=START (the link checked): the passage that holds offset START."""
    found = share.passage_at(index, issue_id, at) if at is not None else None
    return {"issue": issue_id, "passage": found[1:] if found else None, "used": ()}


def follow_link(shared: share.Shared, index: Index, key: str, bounds: tuple[date, date] | None) -> None:
    """Put what a (checked) URL asks for into the session, before the widgets are drawn: on the session's
    first run, and when the reader goes Back or Forward to it."""
    if bounds:
        start = max(day_of(shared.date_from), bounds[0]) if shared.date_from else bounds[0]
        end = min(day_of(shared.date_to, last=True), bounds[1]) if shared.date_to else bounds[1]
        state[f"dates-{key}"] = (start, end)
    state[f"issues-{key}"], state[f"sites-{key}"], state.period = list(shared.issues), list(shared.sites), None
    questions = [turn.question for turn in state.get("turns", [])]
    focus = questions.index(shared.question) if shared.question in questions else None
    if shared.question and focus is None:
        state.pending = shared.question  # asked as if typed; an earlier question of the session is shown again instead
    place: dict = {"view": shared.view or "ask", "focus": focus}
    if shared.like:
        place["similar"] = share.passage_at(index, shared.like, shared.at)[0]
        state.similar_order = shared.order or share.DEFAULT_ORDER
    if shared.issue:
        place.update(view="issues", reading=reading_at(index, shared.issue, shared.at))
    elif shared.of:
        place.update(view="sites", site_pick=shared.of)
    back = {"view": "ask", "focus": len(questions) if focus is None else focus} if shared.question and place["view"] != "ask" else None
    go(place, back=back)
    state.scroll = "turn" if place["view"] == "ask" and not shared.like and (questions or shared.question) else "top"
    if place.get("site_pick"):
        state.scroll = SITE_ITEMS  # the site's items, not the top of the sites view
