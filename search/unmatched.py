"""The words of a search that named no service, remembered in the searcher's session so that opening
or booking a result can teach an alias (`search.services.search_term_alias_observe`).

Only the last typed search counts: every search with a typed query replaces the term (or clears it
when that query named a service), so "shredding", then "piano", then opening a piano card teaches
nothing. Filter changes, chips and suggestions (no typed query) keep it: "shredding" → "Try Guitar"
→ opening a guitar card is exactly the signal. The term also lapses `UNMATCHED_TERM_LIFE` after it
was typed, so a booking made later in the same session does not count against an old search.
"""

from __future__ import annotations

from datetime import datetime, timedelta

UNMATCHED_TERM_KEY = "search_unmatched_term"
UNMATCHED_TERM_LIFE = timedelta(minutes=30)


def unmatched_term_remember(session, *, term: str, now: datetime) -> None:
    """Makes `term` (or nothing, when empty) the session's unmatched term as of `now`.

    Written only when it changes or has lapsed: a session write is a database write on every search.
    """
    stored = session.get(UNMATCHED_TERM_KEY)
    if not term:
        if stored is not None:
            del session[UNMATCHED_TERM_KEY]
        return
    if _term(stored, now=now) != term:
        session[UNMATCHED_TERM_KEY] = {"term": term, "at": now.isoformat()}


def unmatched_term_current(session, *, now: datetime) -> str:
    """The unmatched term of the session's last typed search, or "" when there is none or it lapsed."""
    return _term(session.get(UNMATCHED_TERM_KEY), now=now)


def _term(stored, *, now: datetime) -> str:
    if not isinstance(stored, dict):  # nothing, or the plain string sessions held before it had a time
        return ""
    try:
        typed_at = datetime.fromisoformat(stored["at"])
    except (KeyError, TypeError, ValueError):
        return ""
    if typed_at.tzinfo is None or not (now - UNMATCHED_TERM_LIFE < typed_at <= now + timedelta(minutes=1)):
        return ""
    return str(stored.get("term") or "")
