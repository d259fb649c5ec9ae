// The inbox page: renders the NotificationsClient's list and wires the buttons.
import { NotificationsClient } from "notifications/client";
import { config, csrfToken, showUnread } from "./common.js";

const client = new NotificationsClient({ apiUrl: config.apiUrl });
window.notificationsClient = client; // handy in the browser console

const list = document.getElementById("notifications");
const empty = document.getElementById("empty");
const status = document.getElementById("status");
const errorBox = document.getElementById("error");
const loadMore = document.getElementById("load-more");
const markAll = document.getElementById("mark-all");
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const absolute = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });

function ago(iso) {
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  const steps = [
    [60, "second"],
    [60, "minute"],
    [24, "hour"],
    [7, "day"],
    [4.35, "week"],
    [12, "month"],
    [Infinity, "year"],
  ];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) {
      return unit === "second" && Math.abs(value) < 10 ? "just now" : relative.format(Math.round(value), unit);
    }
    value /= size;
  }
  return absolute.format(new Date(iso));
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "className") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function button(label, action, id, extra = {}) {
  return el("button", { type: "button", className: "link", textContent: label, ...extra, "data-action": action, "data-id": String(id) });
}

function item(notification) {
  const { event } = notification;
  const unread = !notification.readed;
  const author = event.author ? config.usernames[String(event.author)] || `user ${event.author}` : null;
  const when = el("time", { dateTime: event.timestamp, title: absolute.format(new Date(event.timestamp)), textContent: ago(event.timestamp) });
  return el(
    "li",
    { className: `notification ${unread ? "unread" : "read"}`, "data-id": String(notification.id), "data-type": event.type.name },
    el("span", { className: "dot", role: "img", ariaLabel: unread ? "Unread" : "Read" }),
    el(
      "div",
      { className: "body" },
      el("p", { className: "title", textContent: event.title }),
      event.message ? el("p", { className: "message", textContent: event.message }) : null,
      el("p", { className: "meta" },
        el("span", { className: "pill", textContent: event.type.title }),
        author ? ` from ${author} · ` : " · ",
        when),
    ),
    el(
      "div",
      { className: "actions" },
      unread
        ? button("Mark read", "read", notification.id, { ariaLabel: `Mark "${event.title}" read` })
        : button("Mark unread", "unread", notification.id, { ariaLabel: `Mark "${event.title}" unread` }),
      button("Delete", "delete", notification.id, { ariaLabel: `Delete "${event.title}"`, className: "link danger" }),
    ),
  );
}

function render() {
  const rows = client.notifications;
  // Re-rendering replaces the buttons: keep keyboard focus on the same row.
  const focused = list.contains(document.activeElement) ? document.activeElement.dataset : null;
  list.replaceChildren(...rows.map(item));
  if (focused) {
    const row = list.querySelector(`li[data-id="${focused.id}"]`) || list.querySelector("li");
    const target = row && (row.querySelector(`[data-action="${focused.action}"]`) || row.querySelector("button"));
    if (target) target.focus();
  }
  list.setAttribute("aria-busy", "false");
  empty.hidden = rows.length > 0;
  loadMore.hidden = !client.hasMore;
  markAll.disabled = client.unread === 0;
  showUnread(client.unread);
}

function fail(error) {
  errorBox.textContent = error.message || String(error);
  errorBox.hidden = false;
}

client.addEventListener("change", () => {
  errorBox.hidden = true;
  render();
});
client.addEventListener("error", (event) => fail(event.detail.error));
client.addEventListener("notification", (event) => {
  // One short announcement per arrival, instead of a live region on the whole list.
  document.getElementById("announce").textContent = `New notification: ${event.detail.notification.event.title}`;
});
client.addEventListener("connection", (event) => {
  const { connected, delay } = event.detail;
  status.dataset.connected = String(connected);
  status.textContent = connected ? "Live" : delay ? `Reconnecting in ${Math.ceil(delay / 1000)} s…` : "Offline";
});

list.addEventListener("click", (event) => {
  const target = event.target.closest("button[data-action]");
  if (!target) return;
  const id = Number(target.dataset.id);
  const actions = { read: () => client.markRead(id), unread: () => client.markUnread(id), delete: () => client.remove(id) };
  target.disabled = true;
  actions[target.dataset.action]().catch(fail).finally(() => {
    target.disabled = false;
  });
});
markAll.addEventListener("click", () => client.markAllRead().catch(fail));
loadMore.addEventListener("click", () => client.loadMore().catch(fail));
setInterval(() => {
  for (const time of list.querySelectorAll("time")) time.textContent = ago(time.dateTime);
}, 30000);

const form = document.getElementById("send-form");
const sendStatus = document.getElementById("send-status");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const body = {
    type: data.get("type"),
    title: data.get("title"),
    message: data.get("message") || null,
    audience: data.get("audience"),
  };
  sendStatus.textContent = "Sending…";
  try {
    const response = await fetch(config.sendUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.detail || JSON.stringify(answer));
    const count = answer.notifications_count;
    sendStatus.textContent = `Sent: ${count} notification${count === 1 ? "" : "s"} created.`;
  } catch (error) {
    sendStatus.textContent = `Not sent: ${error.message}`;
  }
});
