"""The grading database: ORM models, engines and migrations, the store functions callers use, the
review of gradings, and `Runtime`, the one place an entry point opens it."""
