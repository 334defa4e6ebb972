// Search page: "Use my location" fills lat/lng from the browser and refreshes the results;
// opening a result tells the server which service it was (to learn aliases for unknown words);
// a guest's times are read and shown in the browser's time zone (the `tz` cookie).
(() => {
  let zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { zone = ""; }
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(zone)) return;
  document.cookie = `tz=${zone}; path=/; max-age=31536000; SameSite=Lax`;
  document.addEventListener("DOMContentLoaded", () => {
    // A guest's first page was read in the default zone: read it again in theirs, once.
    const area = document.getElementById("search-area");
    if (area && area.dataset.guestZone && area.dataset.guestZone !== zone && window.htmx) {
      htmx.ajax("GET", window.location.href, { target: "#search-area", swap: "outerHTML" });
    }
  });
})();

document.addEventListener("click", (event) => {
  const nearMe = event.target.closest("[data-near-me]");
  if (nearMe) {
    const form = nearMe.closest("form");
    if (!navigator.geolocation) { nearMe.textContent = "Location is not available"; return; }
    nearMe.textContent = "Finding you…";
    navigator.geolocation.getCurrentPosition((position) => {
      for (const [name, value] of [["lat", position.coords.latitude], ["lng", position.coords.longitude], ["sort", "distance"]]) {
        let input = form.querySelector(`[name="${name}"]`);
        if (!input) { input = document.createElement("input"); input.type = "hidden"; input.name = name; form.appendChild(input); }
        input.value = value.toFixed ? value.toFixed(5) : value;
      }
      form.dispatchEvent(new Event("change", { bubbles: true }));
    }, () => { nearMe.textContent = "Location permission was refused"; });
    return;
  }
  const result = event.target.closest(".instructor-card a[data-service]");
  if (result && result.dataset.service && navigator.sendBeacon) {
    const body = new FormData();
    body.append("service", result.dataset.service);
    const token = document.querySelector("[name=csrfmiddlewaretoken]") || null;
    const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    body.append("csrfmiddlewaretoken", token ? token.value : headers["X-CSRFToken"] || "");
    navigator.sendBeacon("/search/opened/", body);
  }
});
