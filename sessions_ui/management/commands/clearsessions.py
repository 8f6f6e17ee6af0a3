from django.core.management.base import BaseCommand

from sessions_ui.revocation import session_store_class


class Command(BaseCommand):
    help = "Deletes expired sessions (idle timeout or absolute lifetime passed)."

    def handle(self, **options) -> None:
        session_store_class().clear_expired()
