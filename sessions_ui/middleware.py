"""Session middleware that tells the store who is asking and records activity."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware

from sessions_ui.client import client_from_request


class TrackedSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware (same cookie, save and ``SessionInterrupted`` rules), plus:

    * the store gets the client (IP, user agent, app headers) so rows say who is signed in;
    * an unmodified session that was read records its activity, which writes only when the
      client changed or the last write is older than ``SESSION_ACTIVITY_INTERVAL``.
    """

    def process_request(self, request) -> None:
        key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        request.session = self.SessionStore(key, client=client_from_request(request))

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        response = super().process_response(request, response)
        if (
            session is not None
            and session.accessed
            and not session.modified
            and response.status_code < 500
            and hasattr(session, "record_activity")
        ):
            session.record_activity()
        return response
