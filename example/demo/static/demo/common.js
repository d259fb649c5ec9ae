// Shared by the demo pages: the page's config, the CSRF token and the page's client.
import { sharedClient } from "../notifications/inbox.js";

export const config = JSON.parse(document.getElementById("demo-config").textContent);

/** The page's NotificationsClient: the one the <notifications-*> elements use. */
export const client = sharedClient({ apiUrl: config.apiUrl });
window.notificationsClient = client; // handy in the browser console

// The demo's notifications carry author ids; show names instead.
const authorName = (notification) => {
  const author = notification.event.author;
  return author ? config.usernames[String(author)] || `user ${author}` : null;
};
for (const element of document.querySelectorAll("notifications-inbox")) element.authorName = authorName;

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** Keep the unread count in the tab's title. */
client.addEventListener("change", () => {
  const count = client.unread;
  document.title = document.title.replace(/^\(\d+\+?\) /, "");
  if (count) document.title = `(${count}) ${document.title}`;
});
