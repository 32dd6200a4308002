"""The "ask about this zone" form, on the forms kernel: the values as typed and the problems per field."""

from __future__ import annotations

import re
from typing import Any

from portal.i18n import N_
from portal.web.forms import Errors, Parsed, text

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,185}\.[^@\s]{2,}$")
MAX_NAME = 120
MAX_QUESTION = 2000


def parse(form: Any) -> Parsed[dict[str, str]]:
    values = {name: text(form, name) for name in ("name", "email", "question")}
    name, email, question = values["name"], values["email"], values["question"]
    errors = Errors()
    if not name:
        errors.add("name", N_("Give your name."))
    elif len(name) > MAX_NAME:
        errors.add("name", N_("At most %(n)s characters."), n=str(MAX_NAME))
    if not EMAIL.match(email) or len(email) > 254:
        errors.add("email", N_("Give an e-mail address we can answer to."))
    if len(question) < 10:
        errors.add("question", N_("Write your question (at least 10 characters)."))
    elif len(question) > MAX_QUESTION:
        errors.add("question", N_("At most %(n)s characters."), n=str(MAX_QUESTION))
    return Parsed(values, None if errors else values, errors)
