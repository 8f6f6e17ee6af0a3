"""SignInReview moved to the account_security app: state only, the table and its rows stay."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("sessions_ui", "0002_signinreview"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SignInReview")],
            database_operations=[],
        ),
    ]
