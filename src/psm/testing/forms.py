"""Submit a page's form as a browser would: every field with the value the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # what a browser sends
    inputs: list[dict[str, str]] = field(default_factory=list)  # every control, as written


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: tuple[str, bool] | None = None  # name, multiple
        self._options: list[tuple[str, bool]] = []
        self._option_value: str | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "input":
            form.inputs.append(a)
            kind = a.get("type", "text").lower()
            name = a.get("name")
            if not name or kind in ("submit", "button", "file", "reset", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            form.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            form.inputs.append(a)
            self._select = (a.get("name", ""), "multiple" in a)
            self._options = []
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_text = ""
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            form.inputs.append(a)
            self._textarea = a.get("name", "")
            self._text = ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data
        if self._option_value is None and self._select is not None and self._options:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._options and self._option_value is None:
            value, selected = self._options[-1]
            self._options[-1] = (value or self._option_text.strip(), selected)
        if tag == "option":
            self._option_value = None
        if tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [v for v, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]  # a browser sends the first option
            if name and self.forms:
                self.forms[-1].fields.extend((name, v) for v in chosen)
            self._select = None
        if tag == "textarea" and self._textarea is not None:
            if self._textarea and self.forms:
                # A browser drops the one newline that follows <textarea>.
                text = self._text[1:] if self._text.startswith("\n") else self._text
                self.forms[-1].fields.append((self._textarea, text))
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def post_form_of(html: str, page_url: str, action_ends: str = "") -> Form:
    """The page's POST form: the one whose action ends with ``action_ends`` when given, else
    the one that posts back to the page itself (not, say, the log-out button's)."""
    found = [f for f in forms_of(html) if f.method == "post"]
    if action_ends:
        found = [f for f in found if (f.action or page_url).endswith(action_ends)]
    else:
        found = [f for f in found if f.action in ("", page_url)]
    assert found, f"no POST form on {page_url}"
    form = found[0]
    form.action = form.action or page_url
    return form


def as_post_data(form: Form) -> dict[str, Any]:
    data: dict[str, list[str]] = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}
