"""Files the package ships beside its code: ``scenario.yaml`` and ``option.yaml`` (commented
templates of a document: every type and field) and ``report.html.j2`` (the HTML report).

Reading a template imports nothing else of rareearth (``rareearth scenarios new`` starts fast).
"""

from __future__ import annotations

from importlib import resources

__all__ = ["document_template"]


def document_template(what: str) -> str:
    """The commented template of a ``"scenario"`` or an ``"option"`` document.

    Examples
    --------
    >>> document_template("scenario").startswith("#")
    True
    """
    return resources.files("rareearth.templates").joinpath(f"{what}.yaml").read_text("utf-8")
