# Amounts on SQLite: rewrite rows stored as REAL by the old AmountField as exact text (common.money).
from functools import partial

from django.db import migrations

from common.money import convert_sqlite_amounts


class Migration(migrations.Migration):
    dependencies = [("trading", "0003_book_feed")]

    operations = [
        migrations.RunPython(
            partial(convert_sqlite_amounts, app_label="trading"), migrations.RunPython.noop
        ),
    ]
