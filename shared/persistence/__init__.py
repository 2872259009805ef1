"""SQLAlchemy adapter: the schema, engines, and the SQL that the use cases run."""
