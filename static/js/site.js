// Small page behaviours. HTMX sends the CSRF token from <body hx-headers>.
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".menu-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
});
// htmx leaves 4xx/5xx responses unswapped by default; forms that answer 409/422 with a
// fragment to show opt in with hx-ext-free attribute data-swap-errors.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  const target = event.detail.requestConfig && event.detail.requestConfig.elt;
  if ((status === 409 || status === 422 || status === 400) && target && target.closest("[data-swap-errors]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
