import pytest


@pytest.fixture(autouse=True)
def _fresh_lookup_tables():
    """Each test builds its own catalog; the cached lookup tables must not outlive it."""
    from search.lookup_cache import lookup_tables_invalidate

    lookup_tables_invalidate()
    yield
    lookup_tables_invalidate()
