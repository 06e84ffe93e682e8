"""Use cases: one function each, explicit arguments, each owns its transaction."""

# Every use case that writes a request keeps its search text: the session hook lives there.
import widget.search_text  # noqa: E402,F401
