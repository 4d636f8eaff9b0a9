"""Hypothesis settings for the process tests: deterministic examples, no deadline (numpy's first calls can be
slow on a loaded machine) and no example database written into the repository. Imported by the test modules
that use hypothesis; loading the profile is idempotent."""

from hypothesis import settings

settings.register_profile("leverage", deadline=None, derandomize=True, database=None, max_examples=100)
settings.load_profile("leverage")
