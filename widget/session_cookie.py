"""Flask's signed-cookie session (the back office's), opened without building its signer for a
request that carries no session cookie: every widget request, which never has one."""
from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface


class SignedCookieSessions(SecureCookieSessionInterface):
    """SecureCookieSessionInterface, building its serializer only when there is a cookie to read."""

    def open_session(self, app: Flask, request):
        """An empty session when the request has no session cookie (as Flask gives one), else
        Flask's reading of it."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
