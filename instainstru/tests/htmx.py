"""Browser-test helper for pages that HTMX updates in place."""


def wait_for_htmx(page) -> None:
    """Waits until HTMX has no request in flight and has settled what it swapped in.

    A swapped-in form is wired up only when HTMX settles it (20 ms after the swap), so a test that
    changes a field as soon as the new content shows can change it before anything listens, and
    the change is lost. Call this after the swapped-in content is visible, before the next change.
    """
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )
