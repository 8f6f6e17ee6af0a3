"""django-user-sessions with SESSION_SAVE_EVERY_REQUEST: its way to live last activity."""

from benchmarks.configs.user_sessions import *  # noqa: F403

CONFIG = "user_sessions_every_request"
SESSION_SAVE_EVERY_REQUEST = True
