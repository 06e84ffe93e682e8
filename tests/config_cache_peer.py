"""A second Frontdesk process on the test's database, for tests/test_config_cache.py: it reads
commands on stdin, one a line, and answers each with one line of JSON.

    GET <path>               its own widget answers: {"status": ..., "body": ...}
    TITLE <form slug> <text> it changes a form's English title (ORM, committed): {"done": true}

    python -m tests.config_cache_peer '<settings as JSON>'
"""
import json
import sys

from sqlalchemy import select


def main() -> None:
    """Serve commands until stdin closes."""
    from widget import create_app
    from widget.extensions import db
    from widget.models import Form
    app = create_app(json.loads(sys.argv[1]))
    client = app.test_client()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command, _, rest = line.strip().partition(" ")
        if command == "GET":
            with app.app_context():
                response = client.get(rest)
                answer = {"status": response.status_code, "body": response.get_data(as_text=True)}
        elif command == "TITLE":
            slug, _, title = rest.partition(" ")
            with app.app_context():
                form = db.session.scalar(select(Form).where(Form.slug == slug))
                form.titles = {**form.titles, "en": title}
                db.session.commit()
                db.session.remove()
            answer = {"done": True}
        else:
            answer = {"error": command}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
