// Shared by the demo pages: the page's config, the CSRF token and the bell.
export const config = JSON.parse(document.getElementById("demo-config").textContent);

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** Show the unread count on the bell (hidden at zero), with a spoken label. */
export function showUnread(count) {
  const bell = document.getElementById("bell");
  const badge = document.getElementById("badge");
  if (!bell || !badge || count === null || count === undefined) return;
  badge.textContent = count > 99 ? "99+" : String(count);
  badge.hidden = count === 0;
  bell.dataset.unread = String(count);
  bell.setAttribute(
    "aria-label",
    count === 0 ? "Notifications, no unread" : `Notifications, ${count} unread`,
  );
  document.title = document.title.replace(/^\(\d+\+?\) /, "");
  if (count > 0) document.title = `(${count}) ${document.title}`;
}
