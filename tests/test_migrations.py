"""Models and migrations agree (a model change without its migration fails here)."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_sign_in_reviews_survive_the_move_to_account_security(django_user_model):
    """A database from before the pages had an app of their own migrates forward with every
    "Det var jag" answer kept: SignInReview moved apps by state only, its table stayed."""
    import uuid

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before = [("sessions_ui", "0002_signinreview"), ("account_security", None)]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before[:1]).apps
    user = django_user_model.objects.create_user("old@example.com", "old@example.com", "pw")
    session_id = uuid.uuid4()
    old_apps.get_model("sessions_ui", "SignInReview").objects.create(
        user_id=user.pk, session_public_id=session_id, verdict="mine", reviewed_at=timezone.now()
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from account_security.models import SignInReview

    review = SignInReview.objects.get(user=user)
    assert (review.session_public_id, review.verdict) == (session_id, "mine")
