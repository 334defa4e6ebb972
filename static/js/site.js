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

// --- Favorites (reviews app): the heart flips at once and flips back, with the server's
// message, if the server refuses or cannot be reached.
function favoriteShow(button, on) {
  const name = button.dataset.name;
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.setAttribute("aria-label", on ? `Remove ${name} from favorites` : `Add ${name} to favorites`);
  button.querySelector(".heart").textContent = on ? "♥" : "♡";
}
document.addEventListener("htmx:configRequest", (event) => {
  const button = event.detail.elt;
  if (!button.matches || !button.matches("[data-favorite]")) return;
  const wanted = button.getAttribute("aria-pressed") !== "true";
  event.detail.parameters.favorite = wanted ? "true" : "false";
  button.dataset.before = wanted ? "false" : "true";
  favoriteShow(button, wanted);
  const message = button.parentElement.querySelector(".favorite-message");
  if (message) message.textContent = "";
});
document.addEventListener("htmx:afterRequest", (event) => {
  const button = event.detail.elt;
  if (!button.matches || !button.matches("[data-favorite]") || event.detail.successful) return;
  favoriteShow(button, button.dataset.before === "true");
  const xhr = event.detail.xhr;
  const message = button.parentElement.querySelector(".favorite-message");
  if (message) {
    message.textContent = xhr && xhr.status && xhr.responseText ? xhr.responseText : "Couldn't save that. Please try again.";
  }
});
