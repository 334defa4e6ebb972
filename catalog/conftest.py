import pytest


@pytest.fixture
def nyc(db):
    """The seeded NYC neighborhoods and catalog (as `seed_demo` creates them)."""
    from catalog.seed import seed_catalog, seed_neighborhoods

    seed_neighborhoods()
    seed_catalog()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded files go to this test's own directories: public media and private originals.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
