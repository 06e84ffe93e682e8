"""A widget page read as a browser submits it, for the tests that post its forms (language
switches above all): its language, direction and <h1>, each form with the fields a submission
carries, the options of every list, and the page's language switch."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

NOT_SUBMITTED = ("file", "submit", "button", "image", "reset")  # files are posted apart


@dataclass
class Field:
    name: str
    kind: str   # the input's type ("text" when it names none), or "textarea", "select"
    value: str
    attrs: dict = field(default_factory=dict)


@dataclass
class Form:
    id: str
    action: str
    attrs: dict
    fields: list[Field] = field(default_factory=list)

    def values(self) -> dict[str, str]:
        """Each field's value by name (the last one of a name)."""
        return {item.name: item.value for item in self.fields}

    def pairs(self) -> list[tuple[str, str]]:
        return [(item.name, item.value) for item in self.fields]


class PageForms(HTMLParser):
    """lang, dir, h1; forms (in page order) with the fields a browser would post (unchecked
    boxes left out, a list with no option chosen posting its first); options (a list's name ->
    its options' values); switches (language -> the link's or button's attributes, and its
    tag)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.lang = self.dir = self.h1 = ""
        self.forms: list[Form] = []
        self.options: dict[str, list[str]] = {}
        self.switches: dict[str, dict] = {}
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._chosen = False  # an option of the list being read is marked selected
        self._in_h1 = False
        self.feed(html)

    def by_id(self, form_id: str) -> Form | None:
        return next((form for form in self.forms if form.id == form_id), None)

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "html":
            self.lang, self.dir = a.get("lang", ""), a.get("dir", "")
        elif tag == "h1":
            self._in_h1 = True
        elif tag == "form":
            self._form = Form(a.get("id", ""), a.get("action", ""), a)
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            checkable = kind in ("checkbox", "radio")
            if kind not in NOT_SUBMITTED and (not checkable or "checked" in a):
                self._form.fields.append(
                    Field(a["name"], kind, a.get("value", "on" if checkable else ""), a))
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", "", a)
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select, self._chosen = Field(a["name"], "select", "", a), False
            self.options.setdefault(self._select.name, [])
        elif self._select is not None and tag == "option":
            self.options[self._select.name].append(a.get("value", ""))
            if "selected" in a:
                self._select.value, self._chosen = a.get("value", ""), True
        if "data-language" in a:
            self.switches[a["data-language"]] = {"tag": tag, **a}

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "h1":
            self._in_h1 = False
        elif tag == "textarea" and self._textarea is not None:
            self._form.fields.append(self._textarea)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            listed = self.options[self._select.name]
            if not self._chosen and listed:
                self._select.value = listed[0]  # no option marked: a browser posts the first
            if self._chosen or listed:
                self._form.fields.append(self._select)
            self._select = None

    def handle_data(self, data):
        if self._in_h1:
            self.h1 += data
        if self._textarea is not None:
            self._textarea.value += data
