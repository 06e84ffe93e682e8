"""A guard for tests: a page's template that loads from the database on first use (a lazy load
of a relationship or of an expired attribute) raises instead, so a template cannot add round
trips unseen. Queries a page asks for on purpose (a count in base.html) stay allowed."""
from __future__ import annotations

from contextlib import contextmanager

from flask import before_render_template, template_rendered
from sqlalchemy import event
from sqlalchemy.orm import Session


class LazyLoadInTemplate(AssertionError):
    pass


@contextmanager
def no_lazy_loads_in(app, *template_names: str):
    """Inside the block, rendering one of these templates raises at its first lazy load."""
    rendering: list[str] = []

    def started(_sender, template, **_context):
        if template.name in template_names:
            rendering.append(template.name)

    def finished(_sender, template, **_context):
        if rendering and template.name == rendering[-1]:
            rendering.pop()

    def check(state):
        if rendering and (state.is_relationship_load or state.is_column_load):
            raise LazyLoadInTemplate(
                f"{rendering[-1]} loads on first use: {state.statement}; load it in the service")

    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    event.listen(Session, "do_orm_execute", check)
    try:
        yield
    finally:
        event.remove(Session, "do_orm_execute", check)
        template_rendered.disconnect(finished, app)
        before_render_template.disconnect(started, app)
