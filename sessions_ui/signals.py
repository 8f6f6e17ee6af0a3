"""Signals other apps listen to; the sessions app itself does not know about them."""

from django.dispatch import Signal

# Sent after sessions were deleted, with: user (None for staff bulk actions), ended (list of
# revocation.EndedSession), reason (revocation.Reason), by_session (public id the user acted
# from, or None).
sessions_ended = Signal()
