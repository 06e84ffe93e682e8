"""Blueprint "public": the widget pages a person sees, embedded or standalone."""
from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/w/<site_key>")

from widget.public import (account_routes, lookup_limits, routes, status_routes,  # noqa: E402,F401
                           theme_routes, unmatched)  # (they attach to bp)
from widget.public import kept_parts  # noqa: E402
from widget.public.language_switch import switched_code  # noqa: E402
from widget.public.presenters import TEMPLATE_FILTERS  # noqa: E402

bp.record_once(lambda state: kept_parts.install(state.app))
bp.add_app_template_global(switched_code)  # a code page keeps the code typed across a switch

for _name, _filter in TEMPLATE_FILTERS.items():
    bp.add_app_template_filter(_filter, _name)
