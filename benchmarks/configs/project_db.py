"""This project's tracked store, without Redis (sessions_ui.backends.db)."""

from benchmarks.configs.project_base import *  # noqa: F403

CONFIG = "project_db"
SESSION_ENGINE = "sessions_ui.backends.db"
