/* django-rest-notifications service worker: shows Web Push notifications.
 *
 * Register it from a page of your site, e.g.
 *   navigator.serviceWorker.register(STATIC_URL + "notifications/sw.js", {scope: "/"})
 * (a scope above the script's folder needs the `Service-Worker-Allowed: /` response
 * header; see docs/channels.md). Each push carries the JSON the server builds in
 * notifications.payloads.web_push_payload: {title, body, tag, url, notification?}.
 */
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function readPayload(event) {
  if (!event.data) return {};
  try {
    return event.data.json();
  } catch (error) {
    return { title: event.data.text() };
  }
}

self.addEventListener("push", (event) => {
  const payload = readPayload(event);
  const title = payload.title || "New notification";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: payload.body || "",
      tag: payload.tag,
      data: { url: payload.url || "/", notification: payload.notification || null },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === url.href && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(url.href);
    }),
  );
});
