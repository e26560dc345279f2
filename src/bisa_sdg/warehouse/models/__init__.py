"""Python models: tables the model runner builds with Python because SQL cannot say them well.

Each module (not starting with '_') declares ``DEFINES`` (the schema.table names it creates, the first is the
model's name), ``DEPENDS_ON`` (the tables it reads) and ``build(con) -> None``. ``warehouse.discover_models``
puts them in the same dependency order as the .sql models, so SQL may read what they write. Like the SQL
models they must COMMENT every curated table and column they create.
"""
