"""Pydantic's validation errors as one readable line each: ``field: what is wrong (got value)``.

``events[0].severity: must be ≤ 1 (got 1.5)``: the place as the document writes it (an index
in brackets, the tag of an event or measure type left out), the rule in words, and a short
repr of the value (never the whole of a large one).
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

__all__ = ["FieldError", "describe_error"]


class FieldError(ValueError):
    """A model-level check that blames one field (so the message can name it)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def _format_loc(loc: Sequence[int | str], tags: Mapping[str, type[BaseModel]]) -> str:
    out = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(previous, int) and part in tags:
            pass  # pydantic names the tag of a discriminated union; the index says enough
        else:
            out += f".{part}" if out else str(part)
        previous = part
    return out


def _model_at(root: type[BaseModel], loc: Sequence[int | str], tags: Mapping[str, type[BaseModel]]
              ) -> type[BaseModel]:
    model = root
    for part in loc:
        if isinstance(part, str) and part in tags:
            model = tags[part]
        elif isinstance(part, str) and part in model.model_fields:
            annotation = model.model_fields[part].annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                model = annotation
    return model


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple = 2, 4, 4, 4
_REPR.maxstring = _REPR.maxother = 50


def _short(value: Any) -> str:
    """A short repr of a value (never the whole of a large or deeply nested one)."""
    text = _REPR.repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_error(err: Any, root: type[BaseModel], tags: Mapping[str, type[BaseModel]]) -> str:
    """One readable line for one pydantic error: ``field: what is wrong (got value)``."""
    loc = list(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got: Any = err.get("input")
    show_got = True
    if kind in ("less_than_equal", "less_than", "greater_than_equal", "greater_than"):
        sign = {"less_than_equal": "≤", "less_than": "<", "greater_than_equal": "≥",
                "greater_than": ">"}[kind]
        bound = next(iter(ctx.values()))
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        message = f"must be {sign} {bound}"
    elif kind == "missing":
        message, show_got = "is required", False
    elif kind == "extra_forbidden":
        allowed = [f for f in _model_at(root, loc[:-1], tags).model_fields if f != "type"]
        message = f"unknown field; allowed: {', '.join(allowed)}"
    elif kind == "union_tag_invalid":
        message = f"unknown type {ctx.get('tag')!r}; allowed: {', '.join(tags)}"
        show_got = False
        loc.append("type")
    elif kind == "union_tag_not_found":
        message, show_got = f"'type' is missing; one of: {', '.join(tags)}", False
        loc.append("type")
    elif kind == "literal_error":
        message = f"must be one of {ctx.get('expected')}"
    elif kind == "value_error":
        cause = ctx.get("error")
        message = str(cause)
        if isinstance(cause, FieldError):
            loc.append(cause.field)
            show_got = False
    elif kind == "string_pattern_mismatch":
        message = f"must match {ctx.get('pattern')}"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message, got = "must be a mapping of fields", type(got).__name__
    else:
        message = err["msg"][:1].lower() + err["msg"][1:]
    where = _format_loc(loc, tags) or "(top level)"
    return f"{where}: {message}" + (f" (got {_short(got)})" if show_got else "")
