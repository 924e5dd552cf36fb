"""The grading database: ORM models, engines and migrations, the store functions callers use, the
review of gradings, and `Runtime`, the one place an entry point opens it.

Every table module is loaded with the package, so that Base.metadata (Alembic's comparison, create_all) always
holds them all: the core tables (models), then those kept in modules of their own, which build on them.
"""

from grader.db import files_models, lti_models, models, offering_models, settings_models, similarity_models

__all__ = ["files_models", "lti_models", "models", "offering_models", "settings_models", "similarity_models"]
