"""Shared test configuration: hypothesis runs deterministically, without a deadline (numpy's first calls can be
slow) and without writing an example database into the repository."""

from hypothesis import settings

settings.register_profile("leverage", deadline=None, derandomize=True, database=None, max_examples=100)
settings.load_profile("leverage")
