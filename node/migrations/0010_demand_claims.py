"""A demand from the public form carries the enterprise it claims (``claim``) and has none until
staff confirm it, so ``enterprise_id`` becomes nullable.

SQLite cannot drop a NOT NULL in place: the table is rebuilt, which needs foreign keys off (other
tables point at demands), so this migration is not atomic and the rebuild runs in a transaction
of its own, and the indexes the rebuild drops are made again from their SQL.
"""

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state import State
from tortoise.transactions import in_transaction

# The rebuilt table declares its unique columns itself; the other indexes it would lose.
INDEXES = """SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?
AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %'"""


class AlterReferencedField(ops.AlterField):
    """AlterField on a table other tables refer to, SQLite's table rebuild included."""

    async def database_forward(
        self,
        app_label: str,
        old_state: State,
        new_state: State,
        state_editor: BaseSchemaEditor | None = None,
    ) -> None:
        if state_editor is None or state_editor.client.capabilities.dialect != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)
            return
        client = state_editor.client
        table = new_state.apps.get_model(f"{app_label}.{self.model_name}")._meta.db_table
        _, indexes = await client.execute_query(INDEXES, [table])
        # Only outside a transaction does this pragma take effect.
        await client.execute_script("PRAGMA foreign_keys = OFF")
        try:
            async with in_transaction(client.connection_name) as connection:
                state_editor.client = connection
                await super().database_forward(app_label, old_state, new_state, state_editor)
                for index in indexes:
                    await connection.execute_script(index["sql"])
                _, broken = await connection.execute_query("PRAGMA foreign_key_check")
                if broken:
                    raise RuntimeError(f"rebuilding {table} broke foreign keys: {broken[:3]}")
        finally:
            state_editor.client = client
            await client.execute_script("PRAGMA foreign_keys = ON")


class Migration(migrations.Migration):
    dependencies = [('node', '0009_routing')]

    initial = False
    atomic = False

    operations = [
        AlterReferencedField(
            model_name='Demand',
            name='enterprise',
            field=fields.ForeignKeyField('node.Enterprise', source_field='enterprise_id', null=True, db_constraint=True, to_field='id', related_name='demands', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Demand',
            name='claim',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
