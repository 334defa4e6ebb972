// Live notifications: a signed-in person's new notifications appear on every page they have
// open, pushed over /ws/notifications/ (notifications.consumers). The list page keeps them all.
(() => {
  const log = document.getElementById("live-notifications");
  if (!log || !("WebSocket" in window)) return;
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/notifications/`;
  let everOpened = false;
  let failures = 0;

  // Only links within this site: a notification's url is a path such as /bookings/…/.
  const isSitePath = (value) => typeof value === "string" && value.startsWith("/") && !value.startsWith("//");

  function show(notification) {
    const item = document.createElement("div");
    item.className = "message live-notification";
    const title = document.createElement(isSitePath(notification.url) ? "a" : "strong");
    title.textContent = notification.title;
    if (title.tagName === "A") title.href = notification.url;
    item.append(title);
    if (notification.body) {
      const body = document.createElement("p");
      body.textContent = notification.body;
      item.append(body);
    }
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "small secondary";
    dismiss.textContent = "Dismiss";
    dismiss.addEventListener("click", () => item.remove());
    item.append(dismiss);
    log.append(item);
  }

  function connect() {
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      everOpened = true;
      failures = 0;
      log.dataset.state = "live";
    });
    socket.addEventListener("message", (event) => {
      try {
        show(JSON.parse(event.data));
      } catch (error) {
        console.warn("Ignored a notification that was not JSON", error);
      }
    });
    socket.addEventListener("close", () => {
      log.dataset.state = "closed";
      failures += 1;
      // A server without websockets (e.g. plain WSGI) refuses every attempt: stop asking it.
      if (!everOpened && failures >= 3) return;
      setTimeout(connect, Math.min(30000, 1000 * 2 ** (failures - 1)));
    });
  }

  connect();
})();
