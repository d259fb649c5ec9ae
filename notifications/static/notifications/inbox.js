/**
 * Drop-in inbox for django-rest-notifications: two custom elements on client.js.
 *
 *     <script type="module" src="/static/notifications/inbox.js"></script>
 *     <notifications-inbox api-url="/notifications/"></notifications-inbox>
 *
 * - `<notifications-inbox>`: a bell with a badge that opens a panel (the list,
 *   mark read / unread, archive, delete, mark all read, load more). With the
 *   `inline` attribute it is the panel alone, always open, for a full page.
 * - `<notifications-bell>`: the bell and its badge only; with `href` a link
 *   (to your inbox page), otherwise a button firing `notifications-bell-click`.
 *
 * Elements with the same `api-url` on a page share one NotificationsClient,
 * and the tabs of a browser share one socket (see client.js). No framework, no
 * build step; Shadow DOM, themed with CSS custom properties (`--notifications-*`)
 * and `::part()`s, light and dark (`prefers-color-scheme`, or `theme="light|dark"`),
 * strings replaceable through the `strings` attribute (JSON) or property.
 */
import { NotificationsClient, targetOf } from "./client.js";

/** The default (English) strings; `{name}` placeholders are filled in. */
export const STRINGS = Object.freeze({
  // Button names start with the button's visible text (WCAG 2.5.3, label in name).
  bell: "Notifications",
  bellNone: "Notifications, no unread",
  bellUnread: "Notifications, {count} unread",
  bellUnseen: ", {count} new",
  title: "Notifications",
  inbox: "Inbox",
  archived: "Archive",
  markAllRead: "Mark all read",
  markRead: "Mark read",
  markReadLabel: "Mark read: {title}",
  markUnread: "Mark unread",
  markUnreadLabel: "Mark unread: {title}",
  archive: "Archive",
  archiveLabel: "Archive: {title}",
  unarchive: "Restore",
  unarchiveLabel: "Restore: {title}",
  snooze: "Snooze 1 h",
  snoozeLabel: "Snooze 1 h: {title}",
  remove: "Delete",
  removeLabel: "Delete: {title}",
  mute: "Mute this thread",
  muteLabel: "Mute this thread: {title}",
  unmute: "Unmute thread",
  unmuteLabel: "Unmute thread: {title}",
  close: "Close",
  loadMore: "Load more",
  loading: "Loading…",
  empty: "No notifications yet.",
  emptyArchived: "Nothing archived.",
  live: "Live",
  connecting: "Connecting…",
  offline: "Offline",
  reconnecting: "Reconnecting in {seconds} s…",
  signedOut: "Signed out: log in again to get live updates",
  loggedOut: "Log in to see your notifications.",
  newItem: "New notification: {title}",
  from: "from {name}",
  groupedOne: "{name} and 1 other",
  groupedMany: "{name} and {others} others",
  unreadDot: "Unread",
  readDot: "Read",
  justNow: "just now",
  networkError: "Could not reach the server. Check your connection and try again.",
  error: "That did not work: {message}",
});

const BELL_ICON =
  '<svg aria-hidden="true" viewBox="0 0 24 24" width="22" height="22"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/></svg>';

const STYLE = `
:host {
  --_accent: var(--notifications-accent, #3358d4);
  --_bg: var(--notifications-bg, #ffffff);
  --_text: var(--notifications-text, #1d2330);
  --_muted: var(--notifications-muted, #5d6679);
  --_line: var(--notifications-line, #e4e7ec);
  --_unread-bg: var(--notifications-unread-bg, #eef2ff);
  --_badge-bg: var(--notifications-badge-bg, #c0362c);
  --_badge-text: var(--notifications-badge-text, #ffffff);
  --_danger: var(--notifications-danger, #b42318);
  --_radius: var(--notifications-radius, 10px);
  --_shadow: var(--notifications-shadow, 0 12px 32px rgb(16 24 40 / 18%));
  display: inline-block; position: relative; color: var(--_text);
  font: var(--notifications-font, 400 100%/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
}
:host([inline]) { display: block; max-width: 100%; }
:host([hidden]) { display: none; }
:host([theme="dark"]) {
  --_accent: var(--notifications-accent, #8aa4ff);
  --_bg: var(--notifications-bg, #1b2029);
  --_text: var(--notifications-text, #e6e9ef);
  --_muted: var(--notifications-muted, #a3acbd);
  --_line: var(--notifications-line, #2c3340);
  --_unread-bg: var(--notifications-unread-bg, #232c45);
  --_badge-bg: var(--notifications-badge-bg, #d13438);
  --_danger: var(--notifications-danger, #ff8a80);
}
@media (prefers-color-scheme: dark) {
  :host(:not([theme="light"])) {
    --_accent: var(--notifications-accent, #8aa4ff);
    --_bg: var(--notifications-bg, #1b2029);
    --_text: var(--notifications-text, #e6e9ef);
    --_muted: var(--notifications-muted, #a3acbd);
    --_line: var(--notifications-line, #2c3340);
    --_unread-bg: var(--notifications-unread-bg, #232c45);
    --_badge-bg: var(--notifications-badge-bg, #d13438);
    --_danger: var(--notifications-danger, #ff8a80);
  }
}
* { box-sizing: border-box; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; margin: -1px; padding: 0; border: 0;
}
.bell {
  position: relative; display: inline-flex; align-items: center; justify-content: center;
  min-width: 2.25rem; min-height: 2.25rem; padding: .35rem; border: 0; border-radius: 999px;
  background: transparent; color: inherit; cursor: pointer; font: inherit; text-decoration: none;
}
.bell:hover { background: color-mix(in srgb, currentColor 8%, transparent); }
.badge {
  position: absolute; top: -.1rem; right: -.2rem; min-width: 1.2rem; height: 1.2rem;
  padding: 0 .3rem; border-radius: 999px; background: var(--_badge-bg); color: var(--_badge-text);
  font-size: .72rem; font-weight: 700; line-height: 1.2rem; text-align: center;
}
.badge[hidden] { display: none; }
.panel {
  position: fixed; z-index: 1000; display: flex; flex-direction: column;
  width: min(var(--notifications-panel-width, 24rem), calc(100vw - 1rem));
  background: var(--_bg); color: var(--_text); border: 1px solid var(--_line);
  border-radius: var(--_radius); box-shadow: var(--_shadow); overflow: hidden;
}
.panel[hidden] { display: none; }
:host([inline]) .panel {
  position: static; width: 100%; box-shadow: none; border: 0; border-radius: 0;
  background: transparent; overflow: visible;
}
.head { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem .75rem; padding: .75rem 1rem .5rem; }
:host([inline]) .head { padding: 0 0 .5rem; }
.head h1, .head h2 { margin: 0; font-size: 1.05rem; line-height: 1.3; flex: 1 1 auto; min-width: 0; outline: none; }
:host([inline]) .head h1 { font-size: 1.35rem; }
.toolbar { display: flex; flex: 1 1 100%; align-items: center; justify-content: space-between; gap: .5rem; }
:host([inline]) .toolbar { flex: 0 1 auto; gap: .75rem; }
.status { display: inline-flex; align-items: center; gap: .35rem; font-size: .8rem; color: var(--_muted); }
.status::before { content: ""; width: .5rem; height: .5rem; border-radius: 50%; background: var(--_muted); }
.status[data-connected="true"]::before { background: #2e9d5b; }
.tabs { display: flex; gap: .25rem; padding: 0 1rem; border-bottom: 1px solid var(--_line); }
:host([inline]) .tabs { padding: 0; }
.tab {
  font: inherit; border: 0; background: none; color: var(--_muted); cursor: pointer;
  padding: .4rem .6rem; border-bottom: 2px solid transparent; margin-bottom: -1px;
}
.tab[aria-selected="true"] { color: var(--_text); border-bottom-color: var(--_accent); font-weight: 600; }
.body { overflow-y: auto; overscroll-behavior: contain; }
:host([inline]) .body { overflow: visible; }
.list { list-style: none; margin: 0; padding: 0; }
:host([inline]) .list { margin: 0 calc(-1 * var(--notifications-inline-bleed, 0px)); }
.notification {
  display: grid; grid-template-columns: .6rem minmax(0, 1fr); gap: .25rem .75rem;
  padding: .75rem 1rem; border-top: 1px solid var(--_line); outline: none;
}
:host([inline]) .notification { padding: .8rem var(--notifications-inline-bleed, .75rem); }
.notification:last-child { border-bottom: 1px solid var(--_line); }
.notification.unread { background: var(--_unread-bg); }
.notification:focus-visible { box-shadow: inset 0 0 0 2px var(--_accent); }
.dot { width: .55rem; height: .55rem; border-radius: 50%; margin-top: .45rem; }
.unread .dot { background: var(--_accent); }
.content { min-width: 0; }
.content p { margin: 0; }
.title { font-weight: 500; overflow-wrap: anywhere; }
a.title-link { color: inherit; text-decoration: none; }
a.title-link:hover { text-decoration: underline; }
.unread .title { font-weight: 650; }
.message { opacity: .9; margin-top: .1rem; overflow-wrap: anywhere; white-space: pre-line; }
.meta { color: var(--_muted); font-size: .82rem; margin-top: .25rem; overflow-wrap: anywhere; }
.pill {
  display: inline-block; padding: 0 .45rem; border-radius: 999px; border: 1px solid var(--_line);
  font-size: .75rem; color: var(--_muted);
}
.actions { grid-column: 2; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
button.link {
  font: inherit; font-size: .88rem; border: 0; background: none; color: var(--_accent);
  padding: .15rem 0; cursor: pointer; font-weight: 500;
}
button.link.danger { color: var(--_danger); }
button.secondary {
  font: inherit; cursor: pointer; border-radius: 8px; border: 1px solid var(--_accent);
  background: transparent; color: var(--_accent); padding: .35rem .75rem; font-weight: 550;
}
button:disabled, button[aria-disabled="true"] { opacity: .5; cursor: default; }
button:focus-visible, a:focus-visible { outline: 2px solid var(--_accent); outline-offset: 2px; }
.close { font-size: 1.2rem; line-height: 1; padding: .1rem .4rem; color: var(--_muted); }
.empty { color: var(--_muted); text-align: center; padding: 2rem 1rem 1.5rem; margin: 0; }
.error {
  margin: .25rem 1rem .5rem; padding: .5rem .75rem; border-radius: 8px; overflow-wrap: anywhere;
  color: var(--_danger); background: color-mix(in srgb, var(--_danger) 10%, transparent);
}
:host([inline]) .error { margin: .25rem 0 .75rem; }
.error[hidden], .empty[hidden], .more[hidden], .tabs[hidden], .status[hidden] { display: none; }
.more { display: block; width: calc(100% - 2rem); margin: .75rem 1rem; }
:host([inline]) .more { width: 100%; margin: 1rem 0 0; }
@media (prefers-reduced-motion: no-preference) {
  .panel:not([hidden]) { animation: notifications-open 140ms ease-out; }
  .notification.arrived { animation: notifications-arrive 600ms ease-out; }
}
@keyframes notifications-open { from { opacity: 0; transform: translateY(-4px); } }
@keyframes notifications-arrive { from { background: color-mix(in srgb, var(--_accent) 25%, transparent); } }
`;

const clients = new Map();

/** The page's shared client for these options (one per api-url and socket-url). */
export function sharedClient(options) {
  const key = JSON.stringify([options.apiUrl, options.socketUrl || "", options.token || ""]);
  if (!clients.has(key)) clients.set(key, new NotificationsClient(options));
  return clients.get(key);
}

/** A notification's link, resolved against the page (only http(s) links are followed). */
function linkOf(notification) {
  const url = new URL(notification.event.url, location.href);
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : "about:blank";
}

function format(template, values = {}) {
  return String(template).replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** Shared by both elements: the client, the strings, the badge. */
class NotificationsElement extends HTMLElement {
  static get observedAttributes() {
    return ["strings", "locale"];
  }

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._client = null;
    this._strings = null;
    this._onChange = () => this._update();
    this._onConnection = (event) => this._connection(event.detail);
  }

  /** The NotificationsClient behind the element (set it to use your own). */
  get client() {
    if (!this._client && this.getAttribute("api-url")) {
      this.client = sharedClient({
        apiUrl: this.getAttribute("api-url"),
        socketUrl: this.getAttribute("socket-url") || undefined,
        pageSize: Number(this.getAttribute("page-size")) || undefined,
      });
    }
    return this._client;
  }

  set client(client) {
    if (this._client) {
      this._client.removeEventListener("change", this._onChange);
      this._client.removeEventListener("connection", this._onConnection);
    }
    this._client = client;
    if (client && this.isConnected) this._listen();
  }

  /** The strings in use: the defaults overridden by the `strings` attribute or property. */
  get strings() {
    let fromAttribute = {};
    if (this.hasAttribute("strings")) {
      try {
        fromAttribute = JSON.parse(this.getAttribute("strings"));
      } catch {
        fromAttribute = {};
      }
    }
    return { ...STRINGS, ...fromAttribute, ...(this._strings || {}) };
  }

  set strings(value) {
    this._strings = value ? { ...value } : null;
    if (this.isConnected) this._render();
  }

  attributeChangedCallback() {
    if (this.isConnected && this.shadowRoot.firstChild) this._render();
  }

  connectedCallback() {
    if (!this.shadowRoot.firstChild) this._render();
    if (this.client) this._listen();
  }

  disconnectedCallback() {
    if (this._client) {
      this._client.removeEventListener("change", this._onChange);
      this._client.removeEventListener("connection", this._onConnection);
    }
  }

  _listen() {
    this._client.removeEventListener("change", this._onChange);
    this._client.removeEventListener("connection", this._onConnection);
    this._client.addEventListener("change", this._onChange);
    this._client.addEventListener("connection", this._onConnection);
    this._update();
    if (this._client.connected) this._connection({ connected: true });
  }

  _t(name, values) {
    return format(this.strings[name], values);
  }

  /** The count the badge shows: unseen when the server counts them (or `badge="unread"`). */
  _badgeCount() {
    const client = this._client;
    if (!client) return null;
    if (this.getAttribute("badge") !== "unread" && client.unseen !== null) return client.unseen;
    return client.unread;
  }

  _renderBell(tag) {
    const attributes = { class: "bell", part: "bell", id: "bell" };
    const bell = el(tag, attributes);
    bell.innerHTML = BELL_ICON;
    bell.append(el("span", { class: "badge", part: "badge", id: "badge", hidden: true, "aria-hidden": "true" }));
    return bell;
  }

  _updateBell() {
    const bell = this.shadowRoot.getElementById("bell");
    const client = this._client;
    if (!bell || !client) return;
    const badge = this.shadowRoot.getElementById("badge");
    const count = this._badgeCount();
    const unread = client.unread;
    if (unread !== null) this.setAttribute("unread", String(unread));
    if (client.unseen !== null) this.setAttribute("unseen", String(client.unseen));
    if (count === null) return;
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.hidden = count === 0;
    let label = unread ? this._t("bellUnread", { count: unread }) : this._t("bellNone");
    if (client.unseen) label += this._t("bellUnseen", { count: client.unseen });
    bell.setAttribute("aria-label", label);
  }

  _connection() {}
}

/** `<notifications-bell>`: the bell and its badge. */
export class NotificationsBell extends NotificationsElement {
  static get observedAttributes() {
    return [...super.observedAttributes, "href"];
  }

  _render() {
    const href = this.getAttribute("href");
    const bell = this._renderBell(href ? "a" : "button");
    if (href) bell.setAttribute("href", href);
    else {
      bell.setAttribute("type", "button");
      bell.addEventListener("click", () =>
        this.dispatchEvent(new CustomEvent("notifications-bell-click", { bubbles: true, composed: true })),
      );
    }
    bell.setAttribute("aria-label", this._t("bell"));
    this.shadowRoot.replaceChildren(el("style", { text: STYLE }), bell);
    this._updateBell();
  }

  _update() {
    this._updateBell();
  }
}

/** `<notifications-inbox>`: bell, badge and panel (or the panel alone with `inline`). */
export class NotificationsInbox extends NotificationsElement {
  static get observedAttributes() {
    return [...super.observedAttributes, "inline"];
  }

  constructor() {
    super();
    this._open = false;
    this._view = "inbox"; // or "archived"
    this._archived = null; // the archive page, loaded when its tab opens
    this._archivedMore = false;
    this._focusId = null; // the row that holds the roving tabindex
    this._seen = new Set(); // ids already rendered (to flag new arrivals)
    this._connectionText = null;
    this._onNotification = (event) => this._announce(this._t("newItem", { title: event.detail.notification.event.title }));
    this._onOutside = (event) => {
      if (this._open && !event.composedPath().includes(this)) this.close();
    };
    this._onViewport = () => this._place();
    /** Optional: `(notification) => string | null`, the author's name when the JSON has none. */
    this.authorName = null;
  }

  get inline() {
    return this.hasAttribute("inline");
  }

  /** Whether the panel is open (always, inline). */
  get open() {
    return this.inline || this._open;
  }

  _listen() {
    super._listen();
    this._client.removeEventListener("notification", this._onNotification);
    this._client.addEventListener("notification", this._onNotification);
    this._client.removeEventListener("error", this._onClientError);
    this._onClientError = (event) => {
      const { error } = event.detail;
      // The panel says it; the console says where (a blocked cross-origin request looks like a network error).
      console.error(`<notifications-inbox>: ${this._client.apiUrl} could not be loaded (for an API on another origin see the CORS section of docs/js-client.md):`, error);
      this._fail(error);
    };
    this._client.addEventListener("error", this._onClientError);
  }

  connectedCallback() {
    super.connectedCallback();
    document.addEventListener("pointerdown", this._onOutside);
    // Relative times ("5 minutes ago") move on without a re-render.
    this._clock = setInterval(() => {
      for (const time of this.shadowRoot.querySelectorAll("time")) time.textContent = this._ago(time.dateTime);
    }, 30000);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this._clock);
    document.removeEventListener("pointerdown", this._onOutside);
    window.removeEventListener("resize", this._onViewport);
    if (this._client) this._client.removeEventListener("notification", this._onNotification);
  }

  /** Open the panel (marks everything seen when the server counts unseen). */
  show() {
    if (this.inline || this._open) return;
    this._open = true;
    const panel = this.shadowRoot.getElementById("panel");
    panel.hidden = false;
    this.shadowRoot.getElementById("bell").setAttribute("aria-expanded", "true");
    this._place();
    window.addEventListener("resize", this._onViewport);
    this._update();
    const first = this.shadowRoot.querySelector(".notification");
    (first || this.shadowRoot.getElementById("heading")).focus();
    this._markSeen();
    this.dispatchEvent(new CustomEvent("notifications-open", { bubbles: true, composed: true }));
  }

  /** Close the panel and give the focus back to the bell. */
  close({ focus = true } = {}) {
    if (this.inline || !this._open) return;
    this._open = false;
    this.shadowRoot.getElementById("panel").hidden = true;
    const bell = this.shadowRoot.getElementById("bell");
    bell.setAttribute("aria-expanded", "false");
    window.removeEventListener("resize", this._onViewport);
    const inside = this.shadowRoot.activeElement !== null;
    if (focus && inside) bell.focus();
  }

  _markSeen() {
    const client = this._client;
    if (client && client.unseen) client.markAllSeen().catch(() => {});
  }

  /** Put the panel under the bell, inside the viewport. */
  _place() {
    if (this.inline || !this._open) return;
    const panel = this.shadowRoot.getElementById("panel");
    const rect = this.shadowRoot.getElementById("bell").getBoundingClientRect();
    const margin = 8;
    const width = Math.min(panel.offsetWidth || 384, window.innerWidth - 2 * margin);
    const left = Math.max(margin, Math.min(rect.right - width, window.innerWidth - width - margin));
    const top = rect.bottom + 6;
    panel.style.left = `${left}px`;
    panel.style.top = `${top}px`;
    panel.style.maxHeight = `${Math.max(160, window.innerHeight - top - margin)}px`;
  }

  _render() {
    const parts = [el("style", { text: STYLE })];
    if (!this.inline) {
      const bell = this._renderBell("button");
      bell.setAttribute("type", "button");
      bell.setAttribute("aria-haspopup", "dialog");
      bell.setAttribute("aria-expanded", String(this._open));
      bell.setAttribute("aria-controls", "panel");
      bell.setAttribute("aria-label", this._t("bell"));
      bell.addEventListener("click", () => (this._open ? this.close() : this.show()));
      parts.push(bell);
    }
    const panel = el(
      "section",
      this.inline
        ? { class: "panel", part: "panel", id: "panel", "aria-labelledby": "heading" }
        : { class: "panel", part: "panel", id: "panel", role: "dialog", "aria-labelledby": "heading", hidden: !this._open },
      el(
        "div",
        { class: "head", part: "header" },
        el(this.inline ? "h1" : "h2", { id: "heading", tabindex: "-1", text: this._t("title") }),
        this.inline ? null : el("button", { type: "button", class: "link close", part: "button close", "aria-label": this._t("close"), text: "×" }),
        el(
          "div",
          { class: "toolbar" },
          el("span", { class: "status", part: "status", id: "status", "data-connected": "false", text: this._t("connecting") }),
          el("button", { type: "button", class: "secondary", part: "button mark-all", id: "mark-all", text: this._t("markAllRead") }),
        ),
      ),
      el(
        "div",
        { class: "tabs", part: "tabs", role: "tablist", hidden: true },
        el("button", { type: "button", class: "tab", part: "tab", role: "tab", id: "tab-inbox", "data-view": "inbox", "aria-selected": "true", text: this._t("inbox") }),
        el("button", { type: "button", class: "tab", part: "tab", role: "tab", id: "tab-archived", "data-view": "archived", "aria-selected": "false", tabindex: "-1", text: this._t("archived") }),
      ),
      el("p", { class: "error", part: "error", id: "error", role: "alert", hidden: true }),
      el(
        "div",
        { class: "body", part: "body" },
        el("ul", { class: "list", part: "list", id: "notifications", "aria-labelledby": "heading", "aria-busy": "true" }),
        el("p", { class: "empty", part: "empty", id: "empty", hidden: true }),
        el("button", { type: "button", class: "secondary more", part: "button load-more", id: "load-more", hidden: true, text: this._t("loadMore") }),
      ),
    );
    const live = el("p", { class: "visually-hidden", id: "announce", "aria-live": "polite" });
    parts.push(panel, live);
    this.shadowRoot.replaceChildren(...parts);
    this._wire(panel);
    this._update();
  }

  _wire(panel) {
    panel.addEventListener("click", (event) => this._click(event));
    panel.addEventListener("keydown", (event) => this._key(event));
    panel.addEventListener("focusin", (event) => {
      const row = event.target.closest && event.target.closest(".notification");
      if (row) this._rove(row);
    });
    this.shadowRoot.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this._open) {
        event.stopPropagation();
        this.close();
      }
    });
  }

  _click(event) {
    const target = event.target.closest("button");
    if (!target) return;
    const client = this._client;
    if (target.classList.contains("close")) {
      this.close();
      return;
    }
    if (target.id === "mark-all") {
      this._run(target, () => client.markAllRead());
      return;
    }
    if (target.id === "load-more") {
      this._run(target, () => (this._view === "archived" ? this._loadArchived(true) : client.loadMore()));
      return;
    }
    if (target.dataset.view) {
      this._select(target.dataset.view);
      return;
    }
    const id = Number(target.dataset.id);
    const thread = target.dataset.target;
    const actions = {
      mute: () => client.mute(thread),
      unmute: () => client.unmute(thread),
      read: () => client.markRead(id),
      unread: () => client.markUnread(id),
      archive: () => client.archive(id),
      snooze: () => client.snooze(id, new Date(Date.now() + 3600 * 1000)),
      unarchive: () => client.unarchive(id).then(() => this._dropArchived(id)),
      delete: () => client.remove(id).then(() => this._dropArchived(id)),
    };
    const action = actions[target.dataset.action];
    if (action) this._run(target, action);
  }

  _run(button, action) {
    // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    this._fail(null);
    Promise.resolve()
      .then(action)
      .catch((error) => this._fail(error))
      .finally(() => button.removeAttribute("aria-disabled"));
  }

  _key(event) {
    const rows = [...this.shadowRoot.querySelectorAll(".notification")];
    const tab = event.target.closest && event.target.closest('[role="tab"]');
    if (tab && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      event.preventDefault();
      this._select(this._view === "inbox" ? "archived" : "inbox");
      this.shadowRoot.getElementById(`tab-${this._view}`).focus();
      return;
    }
    const row = event.target.closest && event.target.closest(".notification");
    if (!row || !rows.length) return;
    const index = rows.indexOf(row);
    const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: rows.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      const next = rows[Math.max(0, Math.min(rows.length - 1, moves[event.key]))];
      this._rove(next);
      next.focus();
    } else if (event.key === "Enter" && event.target === row) {
      const notification = (this._shown || []).find((item) => item.id === Number(row.dataset.id));
      if (notification) this._activate(notification);
    }
  }

  /**
   * Enter on a row, or a click on its link: fires `notifications-activate`; unless
   * that is cancelled, marks it read and then follows `event.url` when it has one.
   */
  _activate(notification) {
    const proceed = this.dispatchEvent(
      new CustomEvent("notifications-activate", { bubbles: true, composed: true, cancelable: true, detail: { notification } }),
    );
    if (!proceed) return;
    const url = notification.event && notification.event.url ? linkOf(notification) : null;
    const read = notification.readed ? Promise.resolve() : this._client.markRead(notification.id);
    if (!url) {
      read.catch((error) => this._fail(error));
      return;
    }
    // Follow the link once the read is saved (or after a short wait: the link matters more).
    const wait = new Promise((resolve) => setTimeout(resolve, 1500));
    Promise.race([read, wait]).catch(() => {}).finally(() => window.location.assign(url));
  }

  _rove(row) {
    this._focusId = Number(row.dataset.id);
    for (const other of this.shadowRoot.querySelectorAll(".notification")) other.tabIndex = other === row ? 0 : -1;
  }

  _select(view) {
    if (view === this._view) return;
    this._view = view;
    for (const tab of this.shadowRoot.querySelectorAll('[role="tab"]')) {
      const selected = tab.dataset.view === view;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    if (view === "archived") this._loadArchived(false).catch((error) => this._fail(error));
    this._update();
  }

  async _loadArchived(more) {
    const offset = more && this._archived ? this._archived.length : 0;
    const page = await this._client.getArchived({ offset });
    this._archived = more ? [...(this._archived || []), ...page.results] : page.results;
    this._archivedMore = Boolean(page.next);
    this._update();
  }

  _dropArchived(id) {
    if (this._archived) this._archived = this._archived.filter((item) => item.id !== id);
    this._update();
  }

  _fail(error) {
    const box = this.shadowRoot.getElementById("error");
    if (!box) return;
    if (!error) {
      box.hidden = true;
      return;
    }
    const network = error instanceof TypeError || error.status === 0;
    box.textContent = network ? this._t("networkError") : this._t("error", { message: (error.body && error.body.detail) || error.message });
    box.hidden = false;
    if (!this.inline && !this._open) return;
    box.scrollIntoView({ block: "nearest" });
  }

  _announce(text) {
    const live = this.shadowRoot.getElementById("announce");
    if (live) live.textContent = text;
  }

  _connection({ connected, delay, stopped, unauthenticated }) {
    const status = this.shadowRoot.getElementById("status");
    if (!status) return;
    status.dataset.connected = String(Boolean(connected));
    // Signed out: the list says so (once); the status has nothing to add.
    status.hidden = Boolean(unauthenticated) || (this._client && this._client.authenticated === false);
    if (connected) status.textContent = this._t("live");
    else if (stopped) status.textContent = this._t("signedOut");
    else if (delay !== undefined) status.textContent = this._t("reconnecting", { seconds: Math.ceil(delay / 1000) });
    else status.textContent = this._t("offline");
  }

  _offersArchive(rows) {
    return rows.some((row) => "archived" in row) || (this._client && this._client.unseen !== null);
  }

  _update() {
    this._updateBell();
    const client = this._client;
    const list = this.shadowRoot.getElementById("notifications");
    if (!client || !list) return;
    if (!this.open) return; // the closed panel renders on opening
    const inboxRows = client.notifications;
    const archive = this._offersArchive(inboxRows);
    this.shadowRoot.querySelector(".tabs").hidden = !archive;
    const archived = this._view === "archived";
    const rows = archived ? this._archived || [] : inboxRows;
    this._shown = rows;

    const focused = this.shadowRoot.activeElement;
    const focusedRow = focused && focused.closest && focused.closest(".notification");
    const focus = focusedRow ? { id: focusedRow.dataset.id, action: focused.dataset.action || null } : null;

    list.replaceChildren(...rows.map((row) => this._item(row, archive, archived)));
    const rowsNow = [...list.children];
    const current = rowsNow.find((row) => Number(row.dataset.id) === this._focusId) || rowsNow[0];
    if (current) this._rove(current);
    if (focus) {
      const row = list.querySelector(`li[data-id="${focus.id}"]`) || current;
      // The same action, else the button in its place (Mark read became Mark unread), else the row.
      const same = focus.action && row && row.querySelector(`[data-action="${focus.action}"]`);
      const target = same || (focus.action && row && row.querySelector("[data-action]")) || row;
      if (target) target.focus();
    }
    for (const row of rows) this._seen.add(row.id);

    const signedOut = client.authenticated === false;
    list.setAttribute("aria-busy", String(!archived && client.unread === null && !signedOut));
    const empty = this.shadowRoot.getElementById("empty");
    empty.textContent = signedOut ? this._t("loggedOut") : archived ? this._t("emptyArchived") : this._t("empty");
    empty.hidden = rows.length > 0 || (archived ? this._archived === null : client.unread === null && !signedOut);
    this.shadowRoot.getElementById("load-more").hidden = archived ? !this._archivedMore : !client.hasMore;
    const markAll = this.shadowRoot.getElementById("mark-all");
    markAll.hidden = archived;
    markAll.disabled = !client.unread;
    this.shadowRoot.getElementById("status").hidden = signedOut;
  }

  _author(row) {
    const authors = Array.isArray(row.authors) ? row.authors : [];
    if (authors.length && authors[0].name) return authors[0].name;
    if (typeof this.authorName === "function") return this.authorName(row);
    return null;
  }

  _item(row, archive, archived) {
    const { event } = row;
    const unread = !row.readed;
    const name = this._author(row);
    const count = typeof row.count === "number" ? row.count : 1;
    let who = null;
    if (name && count > 1) who = count === 2 ? this._t("groupedOne", { name }) : this._t("groupedMany", { name, others: count - 1 });
    else if (name) who = this._t("from", { name });
    const when = el("time", { datetime: event.timestamp, title: this._absolute(event.timestamp), text: this._ago(event.timestamp) });
    const title = event.title;
    const button = (action, text, label, danger = false) =>
      el("button", { type: "button", class: danger ? "link danger" : "link", part: `button ${action}`, "data-action": action, "data-id": row.id, "aria-label": this._t(label, { title }), text: this._t(text) });
    const classes = ["notification", unread ? "unread" : "read"];
    if ("seen" in row && !row.seen) classes.push("unseen");
    if (!this._seen.has(row.id) && this._seen.size) classes.push("arrived");
    const actions = [];
    if (archived) actions.push(button("unarchive", "unarchive", "unarchiveLabel"));
    else if (unread) actions.push(button("read", "markRead", "markReadLabel"));
    else actions.push(button("unread", "markUnread", "markUnreadLabel"));
    if (archive && !archived) actions.push(button("snooze", "snooze", "snoozeLabel"));
    if (archive && !archived) actions.push(button("archive", "archive", "archiveLabel"));
    const thread = targetOf(row);
    if (thread && !archived && "target_muted" in row) {
      const muted = row.target_muted === true;
      const toggle = muted ? button("unmute", "unmute", "unmuteLabel") : button("mute", "mute", "muteLabel");
      toggle.dataset.target = thread;
      actions.push(toggle);
    }
    actions.push(button("delete", "remove", "removeLabel", true));
    return el(
      "li",
      {
        class: classes.join(" "),
        part: unread ? "item item-unread" : "item",
        "data-id": row.id,
        "data-type": event.type && event.type.name,
        tabindex: "-1",
        "aria-label": `${unread ? this._t("unreadDot") : this._t("readDot")}: ${title}`,
      },
      el("span", { class: "dot", "aria-hidden": "true" }),
      el(
        "div",
        { class: "content" },
        el("p", { class: "title", part: "title" }, event.url ? this._link(row, title) : title),
        event.message ? el("p", { class: "message", part: "message", text: event.message }) : null,
        el("p", { class: "meta", part: "meta" }, event.type ? el("span", { class: "pill", text: event.type.title }) : null, event.type ? " " : null, who ? `${who} · ` : null, when),
      ),
      el("div", { class: "actions", part: "actions" }, ...actions),
    );
  }

  /** The row's click target: a link to `event.url` that marks the notification read on the way. */
  _link(row, title) {
    const link = el("a", { class: "title-link", part: "link", href: linkOf(row), "data-link": row.id, text: title });
    link.addEventListener("click", (event) => {
      const plain = event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
      if (!plain) {
        // A new tab or window: this page stays, so the request can finish.
        if (!row.readed) this._client.markRead(row.id).catch(() => {});
        return;
      }
      event.preventDefault();
      this._activate(row);
    });
    return link;
  }

  _locale() {
    return this.getAttribute("locale") || document.documentElement.lang || undefined;
  }

  _absolute(iso) {
    return new Intl.DateTimeFormat(this._locale(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
  }

  _ago(iso) {
    let value = (Date.parse(iso) - Date.now()) / 1000;
    if (Math.abs(value) < 10) return this._t("justNow");
    const relative = new Intl.RelativeTimeFormat(this._locale(), { numeric: "auto" });
    const steps = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.35, "week"], [12, "month"], [Infinity, "year"]];
    for (const [size, unit] of steps) {
      if (Math.abs(value) < size) return relative.format(Math.round(value), unit);
      value /= size;
    }
    return this._absolute(iso);
  }
}

if (!customElements.get("notifications-bell")) customElements.define("notifications-bell", NotificationsBell);
if (!customElements.get("notifications-inbox")) customElements.define("notifications-inbox", NotificationsInbox);
