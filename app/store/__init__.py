"""Store: SQLAlchemy schema, migrations, the single batching writer, and queries."""
