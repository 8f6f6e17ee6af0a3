"""The table of Django's database cache (``pixelunion_cache``), where allauth's rate limits are
counted when there is no Redis, so every worker and app server shares one budget.

Made here, whatever ``CACHES`` says at migrate time, so a deployment that drops Redis later
finds it; ``createcachetable`` (``make run``/``make serve``) makes it too and is a no-op when it
exists.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "pixelunion_cache"


def create(apps, schema_editor) -> None:
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_sign_in_place_and_network")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
