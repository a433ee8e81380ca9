# One e-mail address per user still in use within an organisation, guaranteed by the database
# itself so that parallel creations cannot both pass a check: a partial unique index on the
# address in lower case, over the users that are not closed (a closed user's address may be
# given again). Agency accounts (no organisation) are not concerned: NULLs never collide.
# The same statement works on SQLite and PostgreSQL.
from tortoise import migrations
from tortoise.migrations import operations as ops

INDEX = "uniq_user_active_email"

CREATE = f"""
CREATE UNIQUE INDEX {INDEX} ON app_user (organisation_id, lower(email))
WHERE status <> 'closed' AND email IS NOT NULL
"""
DROP = f"DROP INDEX IF EXISTS {INDEX}"


class Migration(migrations.Migration):
    dependencies = [("models", "0005_password_history")]

    operations = [
        ops.RunSQL(CREATE, DROP),
    ]
