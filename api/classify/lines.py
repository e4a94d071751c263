"""One line of a classification upload, checked: the same rules for the CLI and the API.

`walktalk classify` and `POST /v1/classify/jobs` read JSON lines of
`{"id", "text"}` and must refuse the same lines with the same words.
"""

from __future__ import annotations

from nlp.normalise import normalise
from nlp.prepare import MAX_TEXT_CHARS

MAX_ID_CHARS = 200


class BadLineError(ValueError):
    """One line cannot be classified; the message says why (never quoting its text)."""


def check_record(record: dict[str, object] | str, seen: set[int] | None) -> tuple[str, str]:
    """(id, text) of one record, or BadLineError; `seen` holds hashes of the ids so far.

    A string record is a problem the reader already found (bad JSON or UTF-8).
    With `seen` None repeated ids are not checked here (the API's database does).
    """
    if isinstance(record, str):
        raise BadLineError(record)
    item_id, text = record.get("id"), record.get("text")
    if not isinstance(item_id, str | int) or isinstance(item_id, bool) or str(item_id) == "":
        raise BadLineError("needs an 'id' (a string or an integer)")
    if len(str(item_id)) > MAX_ID_CHARS:
        raise BadLineError(f"'id' is over {MAX_ID_CHARS} characters")
    if not isinstance(text, str) or not normalise(text):
        raise BadLineError("needs a non-empty 'text' string")
    if len(text) > MAX_TEXT_CHARS:
        raise BadLineError(f"text is {len(text)} characters; the limit is {MAX_TEXT_CHARS}")
    if seen is not None:
        key = hash(str(item_id))
        if key in seen:
            raise BadLineError(repeated(item_id))
        seen.add(key)
    return str(item_id), text


def repeated(item_id: object) -> str:
    return f"id {item_id!r} was already used by an earlier line"
