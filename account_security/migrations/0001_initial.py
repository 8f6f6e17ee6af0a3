"""SignInReview, moved here from sessions_ui: state only, the existing table is taken over."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("sessions_ui", "0002_signinreview"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SignInReview",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("session_public_id", models.UUIDField(verbose_name="session")),
                        ("verdict", models.CharField(choices=[("mine", "It was me"), ("not_mine", "It wasn't me")], max_length=8, verbose_name="answer")),
                        ("reviewed_at", models.DateTimeField(verbose_name="answered")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="sign_in_reviews", to=settings.AUTH_USER_MODEL, verbose_name="user")),
                    ],
                    options={
                        "verbose_name": "sign-in review",
                        "verbose_name_plural": "sign-in reviews",
                        "db_table": "sessions_ui_signinreview",
                        "constraints": [models.UniqueConstraint(fields=("user", "session_public_id"), name="signinreview_user_session")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
