"""Pages of the foundation as a person sees them on a phone: the menu of a guest and of an
instructor, the error pages, and the API docs."""

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, instructor_user, student

pytestmark = pytest.mark.django_db(transaction=True)


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def log_in(page, live_url, user) -> None:
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name=f"Hello, {user.first_name}")).to_be_visible()


def test_a_guest_opens_the_menu_on_a_phone_and_finds_log_in_and_sign_up(phone_page, live_url):
    page = phone_page
    page.goto(live_url + "/")
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Log in")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Log in")).to_be_visible()
    expect(menu.get_by_role("link", name="Sign up")).to_be_visible()
    expect(menu.get_by_role("button", name="Log out")).to_have_count(0)
    fits_the_phone(page)
    menu.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Sign Up")).to_be_visible()
    fits_the_phone(page)


def test_an_instructor_opens_the_menu_on_a_phone_and_reaches_their_pages(phone_page, live_url):
    person = instructor_user(full_name="Ines Instructor")
    page = phone_page
    log_in(page, live_url, person)
    page.get_by_role("button", name="Menu").click()
    menu = page.get_by_role("navigation", name="Main")
    for name in ("Dashboard", "My lessons", "Bookings", "Availability", "Teaching profile", "Earnings"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(menu.get_by_label("Signed in as")).to_have_text("Ines Instructor")
    fits_the_phone(page)
    menu.get_by_role("link", name="Availability").click()
    expect(page).to_have_url(f"{live_url}/teach/availability/")
    page.get_by_role("button", name="Menu").click()
    menu.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    page.get_by_role("button", name="Menu").click()
    expect(menu.get_by_role("link", name="Log in")).to_be_visible()


def test_the_not_found_page_on_a_phone(phone_page, live_url):
    page = phone_page
    response = page.goto(live_url + "/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="We couldn't find that page")).to_be_visible()
    fits_the_phone(page)
    page.get_by_role("link", name="Go to the home page").click()
    expect(page).to_have_url(live_url + "/")


def test_the_forbidden_page_on_a_phone(phone_page, live_url):
    page = phone_page
    log_in(page, live_url, student(full_name="Sam Student"))
    response = page.goto(live_url + "/teach/bookings/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You can't open this page")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()  # the site's layout, signed in
    fits_the_phone(page)


def test_the_server_error_page_on_a_phone(phone_page, live_url, settings):
    settings.ROOT_URLCONF = "instainstru.tests.urls_failing"
    page = phone_page
    response = page.goto(live_url + "/failing-page/")
    assert response.status == 500
    expect(page.get_by_role("heading", name="Something went wrong on our side")).to_be_visible()
    # Its stylesheet loads (the page is plain HTML: the failure may be the database itself).
    assert page.evaluate("getComputedStyle(document.querySelector('.button')).display") == "inline-flex"
    fits_the_phone(page)
    page.get_by_role("link", name="Go to the home page").click()
    expect(page).to_have_url(live_url + "/")


def test_the_api_docs_page_shows_the_endpoints_from_local_assets(page, live_url):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live_url + "/api/v1/docs/")
    expect(page.get_by_role("heading", name="InstaInstru API")).to_be_visible()
    expect(page.get_by_text("/api/v1/me/", exact=True)).to_be_visible()
    assert requests and all(url.startswith(live_url) or url.startswith("data:") for url in requests)


def test_the_api_docs_page_fits_a_phone(phone_page, live_url):
    page = phone_page
    page.goto(live_url + "/api/v1/docs/")
    expect(page.get_by_text("/api/v1/me/", exact=True)).to_be_visible()
    fits_the_phone(page)
