import pytest


@pytest.fixture(scope="session")
def browser_type_launch_args(django_db_setup, browser_type_launch_args):
    # Create the test database before Playwright starts its event loop: Django refuses
    # synchronous database work inside a running loop. (Worth moving to the root conftest.)
    return browser_type_launch_args
