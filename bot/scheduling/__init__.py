"""Planning and dispatching check-ins: rows in the database are the source of truth."""
