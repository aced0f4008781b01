# Amounts on SQLite: rewrite rows stored as REAL by the old AmountField as exact text (common.money).
from functools import partial

from django.db import migrations

from common.money import convert_sqlite_amounts


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_alter_account_options")]

    operations = [
        migrations.RunPython(
            partial(convert_sqlite_amounts, app_label="ledger"), migrations.RunPython.noop
        ),
    ]
