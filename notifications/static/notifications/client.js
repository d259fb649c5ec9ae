/**
 * Browser client for django-rest-notifications.
 *
 * An ES module with no dependencies and no build step:
 *
 *     import { NotificationsClient } from "/static/notifications/client.js";
 *     const client = new NotificationsClient({ apiUrl: "/notifications/" });
 *     client.addEventListener("change", () => render(client.notifications, client.unread));
 *
 * It loads the first page over REST, keeps it current from the WebSocket's
 * frames, reconnects with exponential backoff and jitter, and after every
 * reconnect catches up through the REST cursors (`after_id` for new ones,
 * `readed=<time>` for read-state changes), so nothing sent while the socket
 * was down is lost.
 *
 * Tabs of one browser share one socket: the tabs elect a leader with Web Locks
 * (`navigator.locks`); the leader holds the socket and relays its frames and
 * its connection state to the other tabs over a `BroadcastChannel`. When the
 * leader's tab closes, the next tab takes the lock and opens the socket.
 * `shareConnection: false` gives every client its own socket.
 */

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const CATCH_UP_PAGE = 100;

/** Failure of a REST call: `status` is the HTTP status, `body` the parsed JSON (if any). */
export class NotificationsError extends Error {
  constructor(message, status, body) {
    super(message);
    this.name = "NotificationsError";
    this.status = status;
    this.body = body;
  }
}

function cookie(name) {
  if (typeof document === "undefined" || !document.cookie) return null;
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

/** `ws(s)://<the API's host>/ws/notifications`: the page's host unless the API is elsewhere. */
function defaultSocketUrl(apiUrl) {
  const api = new URL(apiUrl);
  const scheme = api.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${api.host}/ws/notifications`;
}

/**
 * What to do after the socket closed with `code`:
 * `"stop"` (4401: not authenticated, or its credentials were revoked: wait for
 * `reconnect()`), `"now"` (4429: this socket fell too far behind; reconnect at
 * once and catch up) or `"backoff"` (1013 bus unavailable, 1001, 1006, 1011,
 * anything else: reconnect after a growing delay and catch up).
 */
export function reconnectPlan(code) {
  if (code === 4401) return "stop";
  if (code === 4429) return "now";
  return "backoff";
}

/**
 * The wait before reconnect attempt number `attempt` (0 for the first):
 * exponential backoff with "equal jitter", a random time between half and all
 * of `min(maxDelay, minDelay * 2 ** attempt)`.
 */
export function backoffDelay(attempt, minDelay, maxDelay, random = Math.random) {
  const ceiling = Math.min(maxDelay, minDelay * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Where a row with this id goes in a newest-first list (before the first smaller id). */
function insertAt(items, id) {
  const index = items.findIndex((item) => item.id < id);
  return index < 0 ? items.length : index;
}

/**
 * The list after one frame: a pure function of the loaded rows (newest first)
 * and the frame; the rows are never mutated. Returns `{items, known}`, where
 * `known` is false for frames this client ignores (unknown or malformed).
 *
 * `new` and `unarchived` insert (a snoozed notification comes back as `new`);
 * `readed`, `unread`, `archived`, `snoozed`... replace or drop a loaded row only; `updated` (a grouped send folded into an existing
 * row) replaces it and moves it to the top; `seen_all` stamps every unseen row;
 * `readed_all` with `unread: 0` stamps every unread row (a partial one needs a
 * REST round trip, which the client does).
 */
/**
 * `row` as the list keeps it: frames and most answers do not carry `target_muted`
 * (only list pages asked for it do), so the value the list knew is kept.
 */
function withMuteState(row, known) {
  if (!row || "target_muted" in row || !known || !("target_muted" in known)) return row;
  return { ...row, target_muted: known.target_muted };
}

export function reduceFrame(items, frame) {
  const action = frame && frame.action;
  const row = frame && frame.notification;
  const hasRow = Boolean(row) && typeof row.id === "number";
  const index = hasRow ? items.findIndex((item) => item.id === row.id) : -1;
  switch (action) {
    case "new":
    case "unarchived": {
      if (!hasRow) return { items, known: false };
      if (index >= 0) return { items: items.map((item, i) => (i === index ? withMuteState(row, item) : item)), known: true };
      const next = items.slice();
      next.splice(insertAt(next, row.id), 0, row);
      return { items: next, known: true };
    }
    case "readed":
    case "unread":
      if (!hasRow) return { items, known: false };
      if (index < 0) return { items, known: true };
      return { items: items.map((item, i) => (i === index ? withMuteState(row, item) : item)), known: true };
    case "updated": {
      if (!hasRow) return { items, known: false };
      const rest = items.filter((item) => item.id !== row.id);
      return { items: [withMuteState(row, items[index]), ...rest], known: true };
    }
    case "deleted":
    case "archived":
    case "snoozed":
      if (!hasRow) return { items, known: false };
      return { items: index < 0 ? items : items.filter((item) => item.id !== row.id), known: true };
    case "seen_all": {
      const before = frame.before || new Date().toISOString();
      const stamp = (item) => ("seen" in item && !item.seen ? { ...item, seen: before } : item);
      return { items: items.map(stamp), known: true };
    }
    case "readed_all": {
      if (frame.unread !== 0) return { items, known: true };
      const before = frame.before || new Date().toISOString();
      return { items: items.map((item) => (item.readed ? item : { ...item, readed: before })), known: true };
    }
    default:
      return { items, known: false };
  }
}

function base64UrlToBytes(text) {
  const base64 = (text + "=".repeat((4 - (text.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function canShare() {
  return (
    typeof BroadcastChannel === "function" &&
    typeof navigator !== "undefined" &&
    Boolean(navigator.locks) &&
    typeof navigator.locks.request === "function"
  );
}

/**
 * The user's notifications, kept current. Extends `EventTarget`:
 *
 * - `change`     detail `{reason, notification?}`: the list or a count changed.
 *                `reason` is a frame action (`new`, `readed`, `unread`, `deleted`,
 *                `readed_all`, `seen_all`, `archived`, `unarchived`, `updated`) or
 *                `load`, `more`, `catch-up`, `local`.
 * - `notification` detail `{notification}`: a new notification arrived live.
 * - `connection` detail `{connected, attempt, delay?, code?, stopped?, leader}`: the
 *                socket (this tab's, or the leader tab's) opened or closed.
 * - `error`      detail `{error}`: a background request (load, catch-up) failed.
 */
/** How the REST API names a notification's target: `"app_label.model:pk"`, or null. */
export function targetOf(notification) {
  const target = notification && notification.event && notification.event.target;
  return target ? `${target.type}:${target.id}` : null;
}

export class NotificationsClient extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.apiUrl where `include("notifications.urls")` is mounted.
   * @param {string} [options.socketUrl] the `ws/notifications` URL (default: the API's host).
   * @param {number} [options.pageSize=20] notifications per page.
   * @param {string} [options.token] a DRF token, for pages without a session.
   * @param {string} [options.csrfCookieName="csrftoken"]
   * @param {RequestCredentials} [options.credentials] fetch's `credentials`: "same-origin"
   *   when the API is on the page's origin, "include" when it is on another one.
   * @param {number} [options.minDelay=500] first reconnect delay (ms).
   * @param {number} [options.maxDelay=30000] longest reconnect delay (ms).
   * @param {number} [options.clockMargin=5000] margin (ms) on the read-state catch-up time.
   * @param {number} [options.stableAfter=5000] a socket open this long (ms) resets the backoff.
   * @param {number} [options.openTimeout=3000] longest wait (ms) for the socket before the first page.
   * @param {number} [options.catchUpPages=20] most REST pages one catch-up reads per cursor.
   * @param {boolean} [options.shareConnection=true] one socket per browser, shared by its tabs.
   * @param {string} [options.channelName] the BroadcastChannel / lock name tabs share.
   * @param {boolean} [options.autoStart=true] load and connect from the constructor.
   */
  constructor(options = {}) {
    super();
    if (!options.apiUrl) throw new TypeError("NotificationsClient: apiUrl is required");
    const api = options.apiUrl.endsWith("/") ? options.apiUrl : `${options.apiUrl}/`;
    this.apiUrl = new URL(api, location.href).href;
    this.socketUrl = new URL(options.socketUrl || defaultSocketUrl(this.apiUrl), location.href).href.replace(
      /^http/,
      "ws",
    );
    this.pageSize = options.pageSize || 20;
    this.token = options.token || null;
    this.csrfCookieName = options.csrfCookieName || "csrftoken";
    const sameOrigin = new URL(this.apiUrl).origin === location.origin;
    this.credentials = options.credentials || (sameOrigin ? "same-origin" : "include");
    this.minDelay = options.minDelay ?? 500;
    this.maxDelay = options.maxDelay ?? 30000;
    this.catchUpPages = options.catchUpPages ?? 20;
    this.clockMargin = options.clockMargin ?? 5000;
    this.stableAfter = options.stableAfter ?? 5000;
    this.openTimeout = options.openTimeout ?? 3000;
    this.shareConnection = options.shareConnection !== false && canShare();
    // Tabs share a socket only when they share the credentials: the token, or
    // the session's CSRF cookie (Django rotates it at every login).
    const credentials = this.token || cookie(this.csrfCookieName) || "";
    this.channelName =
      options.channelName || `django-rest-notifications ${this.socketUrl} ${credentials}`;

    this._items = []; // in display order: newest first, grouped rows bumped to the top
    this._unread = null;
    this._unseen = null;
    this._newestId = 0; // the greatest id ever seen (the after_id cursor)
    this._hasMore = false;
    this._loaded = false;
    this._socket = null;
    this._connected = false;
    this._attempt = 0;
    this._timer = null;
    this._closed = false;
    this._stopped = false; // closed with 4401: wait for reconnect()
    this._signedOut = false; // the API answered 401/403: nobody is logged in
    this._clockOffset = 0; // server clock minus ours, from the Date header
    this._openedAt = null; // server time the current/last socket opened
    this._loadStartedAt = null; // server time the first page was requested
    this._whenOpen = null;
    this._frameSeq = 0; // frames applied so far
    this._countsSeq = null; // the greatest frame `seq` whose counts were applied (this socket)
    this._touched = new Map(); // id -> frame sequence that last changed it
    this._catchingUp = null;
    this._pendingSince = null;
    this._channel = null; // BroadcastChannel to the other tabs
    this._leader = !this.shareConnection; // a client that does not share leads itself
    this._releaseLock = null;
    this._lockAbort = null;
    this._onOnline = () => this.reconnect();

    /** Resolves once the first page is loaded (rejects if that failed). */
    this.ready = Promise.resolve();
    if (options.autoStart !== false) this.start();
  }

  /** Open (or join) the socket, then load the first page (the constructor calls this unless autoStart is false). */
  start() {
    this._closed = false;
    this._stopped = false;
    if (typeof window !== "undefined") window.addEventListener("online", this._onOnline);
    // The page is read once the socket has joined the user's group, so nothing
    // created in between can be missed. A socket that fails or is slow does not
    // hold the page back for longer than openTimeout.
    const opened = new Promise((resolve) => {
      this._whenOpen = resolve;
    });
    const timeout = new Promise((resolve) => setTimeout(resolve, this.openTimeout));
    if (this.shareConnection) this._joinTabs();
    else this._connect();
    this.ready = Promise.race([opened, timeout]).then(() => this._loadFirstPage());
    this.ready.catch((error) => this._failed(error));
    return this.ready;
  }

  /** The loaded notifications in display order, newest first (a copy). */
  get notifications() {
    return this._items.slice();
  }

  /** The user's unread count (from the latest frame or request); null until known. */
  get unread() {
    return this._unread;
  }

  /** The user's unseen count; null until known or when the server does not count them. */
  get unseen() {
    return this._unseen;
  }

  /** Whether older notifications remain to `loadMore()`. */
  get hasMore() {
    return this._hasMore;
  }

  /** Whether the socket (this tab's or the leader tab's) is open. */
  get connected() {
    return this._connected;
  }

  /** Whether this tab holds the shared socket (always true with `shareConnection: false`). */
  get isLeader() {
    return this._leader;
  }

  /** Whether the socket was closed with 4401 and waits for `reconnect()` (after a new login). */
  get stopped() {
    return this._stopped;
  }

  /**
   * `false` once the API answered 401 or 403 (nobody is logged in: the client
   * stops connecting until `reconnect()`), `true` once a page loaded, `null` before.
   */
  get authenticated() {
    if (this._signedOut) return false;
    return this._loaded ? true : null;
  }

  // ---------------------------------------------------------------- actions

  /** Mark one notification read; resolves to it. */
  async markRead(id) {
    const row = await this._request("PATCH", `${id}`);
    this._applyLocal(row);
    this._changed("local", row);
    return row;
  }

  /** Mark several read in one request; resolves to the user's ones among them. */
  async markReadBatch(ids) {
    const rows = await this._request("PATCH", "", Array.from(ids));
    for (const row of rows) this._applyLocal(row);
    this._changed("local");
    return rows;
  }

  /** Mark every unread notification read; resolves to `{updated, unread}`. */
  async markAllRead() {
    const result = await this._request("POST", "read-all");
    const now = new Date(this._serverNow()).toISOString();
    this._items = this._items.map((item) => (item.readed ? item : { ...item, readed: now }));
    this._unread = result.unread;
    this._changed("local");
    return result;
  }

  /** Mark one notification unread again; resolves to it. */
  async markUnread(id) {
    const row = await this._request("PATCH", `${id}`, { readed: null });
    this._applyLocal(row);
    this._changed("local", row);
    return row;
  }

  /** Mark everything seen (the bell was opened); resolves to `{updated, unseen}`. */
  async markAllSeen() {
    const result = await this._request("POST", "seen-all");
    const now = new Date(this._serverNow()).toISOString();
    this._items = this._items.map((item) => ("seen" in item && !item.seen ? { ...item, seen: now } : item));
    if (typeof result.unseen === "number") this._unseen = result.unseen;
    this._changed("local");
    return result;
  }

  /** Archive one notification (it leaves the list); resolves to it. */
  async archive(id) {
    const row = await this._request("POST", `${id}/archive`);
    this._dropLocal(row.id);
    this._changed("local", row);
    return row;
  }

  /** Archive several in one request; resolves to the user's ones among them. */
  async archiveMany(ids) {
    const rows = await this._request("POST", "archive", Array.from(ids));
    for (const row of rows) this._dropLocal(row.id);
    this._changed("local");
    return rows;
  }

  /** Bring an archived notification back to the list; resolves to it. */
  async unarchive(id) {
    const row = await this._request("POST", `${id}/unarchive`);
    if (!this._find(row.id)) {
      this._items.splice(insertAt(this._items, row.id), 0, row);
      if (!row.readed && this._unread !== null) this._unread += 1;
    }
    this._changed("local", row);
    return row;
  }

  /**
   * Hide one notification until `until` (a Date or an ISO 8601 string in the
   * future); it leaves the list and the counts, and comes back unread and unseen
   * then (a `new` frame). Resolves to it.
   */
  async snooze(id, until) {
    const when = until instanceof Date ? until.toISOString() : String(until);
    const row = await this._request("POST", `${id}/snooze`, { until: when });
    this._dropLocal(row.id);
    this._changed("local", row);
    return row;
  }

  /** The user's quiet hours: `{enabled, time_zone, start, end}` (`"22:00"`). */
  async getQuietHours() {
    return this._request("GET", "quiet-hours");
  }

  /** Change some of them, e.g. `{start: "22:00", end: "07:00"}`; resolves to all of them. */
  async setQuietHours(partial) {
    return this._request("PATCH", "quiet-hours", partial);
  }

  /** A page of archived notifications: `{count, next, previous, results}`. */
  async getArchived({ limit = this.pageSize, offset = 0 } = {}) {
    return this._request("GET", `?archived=true&limit=${limit}&offset=${offset}`);
  }

  /** Delete one notification. */
  async remove(id) {
    await this._request("DELETE", `${id}`);
    this._dropLocal(id);
    this._changed("local");
  }

  /** The type names the user receives. */
  async getFilter() {
    return (await this._request("GET", "filter")).event_types;
  }

  /** Receive exactly these type names from now on; resolves to the new filter. */
  async setFilter(types) {
    const body = { event_types: Array.from(types) };
    return (await this._request("PATCH", "filter", body)).event_types;
  }

  /** Every sendable type: `[{name, title, description, enabled}]`. */
  async getTypes() {
    return this._request("GET", "types");
  }

  /** The user's channel preferences: `{channels, types: [{name, title, channels}]}`. */
  async getPreferences() {
    return this._request("GET", "preferences");
  }

  /** Change some of them, e.g. `{types: {post_like: {email: false}}}`; resolves to all of them. */
  async setPreferences(partial) {
    return this._request("PATCH", "preferences", partial);
  }

  // ------------------------------------------------- watchers (docs/watchers.md)

  /** Follow an object (`"blog.post:7"`, see `targetOf`); resolves to its subscription row. */
  async subscribe(target) {
    return this._request("POST", "subscriptions", { target });
  }

  /** Stop following an object (a mute on it stays). */
  async unsubscribe(target) {
    await this._request("DELETE", `subscriptions?target=${encodeURIComponent(target)}`);
  }

  /**
   * Mute an object until `until` (a Date or an ISO string; null: for ever): no send about
   * it reaches the user any more. Rows about it in the list get `target_muted: true`.
   */
  async mute(target, until = null) {
    const when = until instanceof Date ? until.toISOString() : until;
    const row = await this._request("POST", "subscriptions/mute", { target, until: when });
    this._markMuted(target, row.muted);
    return row;
  }

  /** End the mute of an object. */
  async unmute(target) {
    await this._request("DELETE", `subscriptions/mute?target=${encodeURIComponent(target)}`);
    this._markMuted(target, false);
  }

  /** A page of the objects the user follows or muted: `{count, next, previous, results}`. */
  async getSubscriptions({ limit = this.pageSize, offset = 0, target } = {}) {
    const only = target ? `&target=${encodeURIComponent(target)}` : "";
    return this._request("GET", `subscriptions?limit=${limit}&offset=${offset}${only}`);
  }

  _markMuted(target, muted) {
    let changed = false;
    this._items = this._items.map((item) => {
      if (targetOf(item) !== target || item.target_muted === muted) return item;
      changed = true;
      return { ...item, target_muted: muted };
    });
    if (changed) this._changed("local");
  }

  /**
   * Subscribe this browser to Web Push: registers the service worker, asks for
   * permission, subscribes with the server's VAPID key and sends the
   * subscription to the server. Resolves to the `PushSubscription`. Rejects with
   * a `NotificationsError` (status 404) when the server has Web Push off.
   */
  async enableWebPush({ serviceWorkerUrl, scope } = {}) {
    if (!serviceWorkerUrl) throw new TypeError("enableWebPush: serviceWorkerUrl is required");
    if (typeof navigator === "undefined" || !navigator.serviceWorker || typeof PushManager === "undefined") {
      throw new NotificationsError("This browser has no Web Push", 0, null);
    }
    const { public_key: key } = await this._request("GET", "push/key");
    const registration = await navigator.serviceWorker.register(serviceWorkerUrl, scope ? { scope } : undefined);
    const permission = await Notification.requestPermission();
    if (permission !== "granted") throw new NotificationsError(`Notifications permission: ${permission}`, 0, null);
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64UrlToBytes(key),
    });
    await this._request("POST", "push/subscriptions", subscription.toJSON());
    return subscription;
  }

  /** Remove this browser's Web Push subscription (server side first); resolves to whether there was one. */
  async disableWebPush({ scope } = {}) {
    if (typeof navigator === "undefined" || !navigator.serviceWorker) return false;
    const registration = await navigator.serviceWorker.getRegistration(scope);
    const subscription = registration && (await registration.pushManager.getSubscription());
    if (!subscription) return false;
    await this._request("DELETE", "push/subscriptions", { endpoint: subscription.endpoint });
    await subscription.unsubscribe();
    return true;
  }

  /** Load the next (older) page; resolves to the notifications it added. */
  async loadMore() {
    await this.ready;
    const page = await this._request("GET", `?limit=${this.pageSize}&offset=${this._items.length}&with=target_muted`);
    const added = page.results.filter((row) => !this._find(row.id));
    this._merge(page.results, this._frameSeq);
    this._hasMore = Boolean(page.next);
    this._changed("more");
    return added;
  }

  /**
   * Reconnect now: after a 4401 close once the app has logged in again, or to
   * skip a backoff wait. In a tab that does not hold the socket, asks the leader.
   */
  reconnect() {
    if (this._closed) return;
    this._stopped = false;
    if (this._signedOut) {
      this._signedOut = false;
      this.ready = this._loadFirstPage();
      this.ready.catch((error) => this._failed(error));
    }
    if (!this._leader) {
      this._post({ type: "reconnect" });
      return;
    }
    if (this._socket) return;
    clearTimeout(this._timer);
    this._timer = null;
    this._connect();
  }

  /** Close the socket for good and stop reconnecting (another tab takes over the shared socket). */
  close() {
    this._closed = true;
    clearTimeout(this._timer);
    this._timer = null;
    if (typeof window !== "undefined") window.removeEventListener("online", this._onOnline);
    const socket = this._socket;
    this._socket = null;
    if (socket) socket.close(1000);
    if (this.shareConnection) {
      if (this._leader) this._post({ type: "closed", code: 1001, attempt: 0 });
      if (this._lockAbort) this._lockAbort.abort();
      if (this._releaseLock) this._releaseLock();
      this._releaseLock = null;
      if (this._channel) this._channel.close();
      this._channel = null;
      this._leader = false;
    }
    this._connected = false;
  }

  // ---------------------------------------------------------------- tabs

  /** Share one socket with the other tabs: wait for the lock, follow the leader meanwhile. */
  _joinTabs() {
    this._channel = new BroadcastChannel(this.channelName);
    this._channel.addEventListener("message", (event) => this._onTabMessage(event.data));
    this._lockAbort = new AbortController();
    navigator.locks
      .request(this.channelName, { signal: this._lockAbort.signal }, () => {
        if (this._closed) return undefined;
        this._leader = true;
        // The previous leader's socket is gone (its tab closed): offline until ours opens.
        if (this._connected) this._onClosed(undefined, {});
        this._post({ type: "leader" });
        this._connect();
        // Held until close() or until the tab goes away (the browser releases it).
        return new Promise((resolve) => {
          this._releaseLock = resolve;
        });
      })
      .catch(() => {}); // aborted by close() while waiting
    this._post({ type: "hello" });
  }

  _post(message) {
    if (this._channel) this._channel.postMessage(message);
  }

  _onTabMessage(message) {
    if (!message || this._closed) return;
    if (this._leader) {
      // Followers ask for the state on arrival, and for a reconnect.
      if (message.type === "hello") this._post({ type: this._connected ? "open" : "closed", attempt: this._attempt, hello: true });
      else if (message.type === "reconnect") this.reconnect();
      return;
    }
    switch (message.type) {
      case "frame":
        this._onFrame(message.frame);
        break;
      case "open":
        if (message.hello && this._connected) break; // an answer to another tab's hello
        this._onOpen();
        break;
      case "leader": // the previous leader went away; the new one is connecting
      case "closed":
        if (message.hello && !this._connected) break;
        this._onClosed(message.code, message);
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- socket

  _connect() {
    if (this._closed || this._stopped) return;
    const protocols = this.token ? ["token", this.token] : undefined;
    let socket;
    try {
      socket = new WebSocket(this.socketUrl, protocols);
    } catch (error) {
      this._emit("error", { error });
      const delay = this._scheduleReconnect("backoff");
      this._onClosed(undefined, { attempt: this._attempt, delay });
      return;
    }
    this._socket = socket;
    socket.addEventListener("open", () => {
      if (socket !== this._socket) return;
      this._post({ type: "open" });
      this._onOpen();
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this._socket) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this._post({ type: "frame", frame });
      this._onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this._socket) return;
      this._socket = null;
      const plan = reconnectPlan(event.code);
      // Back off from scratch only after a socket that stayed up: a server that
      // accepts and drops at once must not be hammered at the shortest delay.
      if (this._connected && this._serverNow() - this._openedAt >= this.stableAfter) this._attempt = 0;
      if (plan === "stop") this._stopped = true;
      const delay = plan === "stop" ? undefined : this._scheduleReconnect(plan);
      const state = { code: event.code, attempt: this._attempt, delay, stopped: this._stopped };
      this._post({ type: "closed", ...state });
      this._onClosed(event.code, state);
    });
  }

  /** The socket (ours or the leader's) opened: catch up on what the previous one missed. */
  _onOpen() {
    // Changes since the previous socket opened (or since the page was read,
    // if that happened first) may have been missed: catch up on them.
    const since = this._openedAt ?? this._loadStartedAt;
    this._openedAt = this._serverNow();
    this._countsSeq = null; // a new socket: the catch-up below reads the counts again
    this._connected = true;
    this._stopped = false;
    this._emit("connection", { connected: true, attempt: this._attempt, leader: this._leader });
    this._resolveOpen();
    if (since !== null) this._catchUp(since);
  }

  _onClosed(code, { attempt, delay, stopped } = {}) {
    this._resolveOpen(); // a socket that cannot open must not delay the first page
    const wasConnected = this._connected;
    this._connected = false;
    if (!this._leader) {
      this._stopped = Boolean(stopped);
      this._attempt = attempt ?? this._attempt;
    }
    if (wasConnected || delay !== undefined || stopped) {
      const detail = { connected: false, attempt: this._attempt, leader: this._leader };
      if (delay !== undefined) detail.delay = delay;
      if (code !== undefined) detail.code = code;
      if (stopped) detail.stopped = true;
      this._emit("connection", detail);
    }
  }

  /** A background request failed: 401/403 means nobody is logged in (stop), else an `error` event. */
  _failed(error) {
    if (error && (error.status === 401 || error.status === 403)) this._signOut();
    else this._emit("error", { error });
  }

  /** Nobody is logged in: stop connecting (once) until `reconnect()`. */
  _signOut() {
    if (this._signedOut) return;
    this._signedOut = true;
    this._stopped = true;
    clearTimeout(this._timer);
    this._timer = null;
    const socket = this._socket;
    this._socket = null;
    if (socket) socket.close(1000);
    this._connected = false;
    this._emit("connection", { connected: false, attempt: this._attempt, leader: this._leader, stopped: true, unauthenticated: true });
    this._changed("signed-out");
  }

  _resolveOpen() {
    if (this._whenOpen) this._whenOpen();
    this._whenOpen = null;
  }

  /** Schedule the next attempt; returns its delay (ms). */
  _scheduleReconnect(plan) {
    if (this._closed || this._timer !== null) return undefined;
    // "now" once (4429); a second one in a row backs off like any other close.
    const delay =
      plan === "now" && this._attempt === 0
        ? 0
        : backoffDelay(this._attempt, this.minDelay, this.maxDelay);
    this._attempt += 1;
    this._timer = setTimeout(() => {
      this._timer = null;
      this._connect();
    }, delay);
    return delay;
  }

  _onFrame(frame) {
    const action = frame && frame.action;
    if (action === "readed_all" && frame.unread !== 0) {
      // Only some types were marked: ask which ones.
      this._frameSeq += 1;
      const before = frame.before || new Date(this._serverNow()).toISOString();
      this._syncReadState(Date.parse(before) - 1000).then(
        () => this._changed("catch-up"),
        (error) => this._emit("error", { error }),
      );
      this._counts(frame);
      this._changed(action);
      return;
    }
    const { items, known } = reduceFrame(this._items, frame);
    if (!known) return; // an action this client does not know: ignore it
    const row = frame.notification;
    if (row && typeof row.id === "number") {
      this._touch(row.id);
      if (action === "new") this._newestId = Math.max(this._newestId, row.id);
    } else {
      this._frameSeq += 1;
    }
    this._items = items;
    this._counts(frame);
    this._changed(action, row);
    if (action === "new") this._emit("notification", { notification: row });
  }

  /** Apply a frame's counts, unless a frame of a later commit (greater `seq`) already did. */
  _counts(frame) {
    if (typeof frame.seq === "number") {
      if (this._countsSeq !== null && frame.seq < this._countsSeq) return;
      this._countsSeq = frame.seq;
    }
    if (typeof frame.unread === "number") this._unread = frame.unread;
    if (typeof frame.unseen === "number") this._unseen = frame.unseen;
  }

  // ---------------------------------------------------------------- sync

  async _loadFirstPage() {
    const seq = this._frameSeq;
    this._loadStartedAt = this._serverNow();
    const [page, count] = await Promise.all([
      this._request("GET", `?limit=${this.pageSize}&with=target_muted`),
      this._request("GET", "unread-count"),
    ]);
    this._merge(page.results, seq);
    for (const row of page.results) this._newestId = Math.max(this._newestId, row.id);
    this._hasMore = Boolean(page.next);
    if (this._frameSeq === seq) this._setCounts(count);
    this._loaded = true;
    this._changed("load");
  }

  _setCounts(count) {
    if (count && typeof count.unread === "number") this._unread = count.unread;
    if (count && typeof count.unseen === "number") this._unseen = count.unseen;
  }

  /** After a reconnect: fetch what was created, read or removed while the socket was down. */
  _catchUp(since) {
    if (this._catchingUp) {
      // Another reconnect during a catch-up: run again afterwards from the earlier time.
      this._pendingSince = Math.min(this._pendingSince ?? since, since);
      return this._catchingUp;
    }
    const run = async () => {
      await this.ready.catch(() => {});
      if (!this._loaded) {
        this.ready = this._loadFirstPage();
        return this.ready;
      }
      const seq = this._frameSeq;
      const complete = await this._fetchNewer();
      if (!complete) {
        await this._reset();
        return;
      }
      await this._syncReadState(since - this.clockMargin);
      await this._reconcileFirstPage(seq);
      const count = await this._request("GET", "unread-count");
      if (this._frameSeq === seq) this._setCounts(count);
      this._changed("catch-up");
    };
    this._catchingUp = run()
      .catch((error) => this._failed(error))
      .finally(() => {
        this._catchingUp = null;
        if (this._pendingSince !== null) {
          const again = this._pendingSince;
          this._pendingSince = null;
          this._catchUp(again);
        }
      });
    return this._catchingUp;
  }

  /** Walk the `after_id` cursor; false if there were more than `catchUpPages` pages. */
  async _fetchNewer() {
    let path = `?after_id=${this._newestId}&limit=${CATCH_UP_PAGE}`;
    for (let pages = 0; pages < this.catchUpPages; pages += 1) {
      const seq = this._frameSeq;
      const page = await this._request("GET", path);
      this._merge(page.results, seq);
      for (const row of page.results) this._newestId = Math.max(this._newestId, row.id);
      if (!page.next) return true;
      path = page.next;
    }
    return false;
  }

  /** Apply read-state changes made at or after `since` (server time, ms) to loaded items. */
  async _syncReadState(since) {
    const stamp = new Date(since).toISOString();
    let path = `?readed=${encodeURIComponent(stamp)}&limit=${CATCH_UP_PAGE}`;
    for (let pages = 0; path && pages < this.catchUpPages; pages += 1) {
      const seq = this._frameSeq;
      const page = await this._request("GET", path);
      for (const row of page.results) {
        if (this._find(row.id) && !this._touchedSince(row.id, seq)) this._apply(row);
      }
      path = page.next;
    }
  }

  /** Refresh the first page: catches deletions, archiving and mark-unread made while offline. */
  async _reconcileFirstPage(seq) {
    const page = await this._request("GET", `?limit=${this.pageSize}&with=target_muted`);
    if (page.results.length) {
      const ids = new Set(page.results.map((row) => row.id));
      const oldest = page.results[page.results.length - 1].id;
      this._items = this._items.filter(
        (item) => item.id < oldest || ids.has(item.id) || this._touchedSince(item.id, seq),
      );
    } else {
      this._items = this._items.filter((item) => this._touchedSince(item.id, seq));
    }
    this._merge(page.results, seq);
  }

  async _reset() {
    this._items = [];
    this.ready = this._loadFirstPage();
    await this.ready;
  }

  // ---------------------------------------------------------------- state

  _find(id) {
    return this._items.find((item) => item.id === id);
  }

  _touch(id) {
    this._frameSeq += 1;
    this._touched.set(id, this._frameSeq);
    if (this._touched.size > 1000) {
      // Forget the oldest entries; only in-flight requests need them.
      const keep = this._frameSeq - 500;
      for (const [key, value] of this._touched) if (value < keep) this._touched.delete(key);
    }
  }

  _touchedSince(id, seq) {
    return (this._touched.get(id) || 0) > seq;
  }

  /** Insert or update one notification (insert only if `insert` or it is loaded). */
  _apply(row, insert = false) {
    const index = this._items.findIndex((item) => item.id === row.id);
    if (index >= 0) {
      this._items[index] = withMuteState(row, this._items[index]);
    } else if (insert) {
      this._items.splice(insertAt(this._items, row.id), 0, row);
    }
  }

  /** Apply our own request's answer; adjust the count unless a frame already did. */
  _applyLocal(row) {
    const known = this._find(row.id);
    if (known && this._unread !== null) {
      if (!known.readed && row.readed) this._unread = Math.max(0, this._unread - 1);
      else if (known.readed && !row.readed) this._unread += 1;
    }
    this._apply(row);
  }

  /** Drop a row after our own delete/archive; adjust the counts unless a frame already did. */
  _dropLocal(id) {
    const removed = this._drop(id);
    if (removed && !removed.readed && this._unread) this._unread -= 1;
    if (removed && "seen" in removed && !removed.seen && this._unseen) this._unseen -= 1;
  }

  /** Merge REST rows, skipping ones a frame changed since the request started. */
  _merge(rows, seq) {
    for (const row of rows) {
      if (!this._touchedSince(row.id, seq)) this._apply(row, true);
    }
  }

  _drop(id) {
    const index = this._items.findIndex((item) => item.id === id);
    if (index < 0) return null;
    return this._items.splice(index, 1)[0];
  }

  _changed(reason, notification) {
    this._emit("change", { reason, notification });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  _serverNow() {
    return Date.now() + this._clockOffset;
  }

  // ---------------------------------------------------------------- HTTP

  async _request(method, path, body) {
    const url = new URL(path, this.apiUrl).href;
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.token) headers.Authorization = `Token ${this.token}`;
    if (UNSAFE.has(method)) {
      const csrf = cookie(this.csrfCookieName);
      if (csrf) headers["X-CSRFToken"] = csrf;
    }
    const response = await fetch(url, {
      method,
      headers,
      credentials: this.credentials,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const date = Date.parse(response.headers.get("Date") || "");
    if (!Number.isNaN(date)) this._clockOffset = date - Date.now();
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    if (!response.ok) {
      const detail = data && data.detail ? `: ${data.detail}` : "";
      throw new NotificationsError(`${method} ${url} answered ${response.status}${detail}`,
        response.status, data);
    }
    return data;
  }
}

export default NotificationsClient;
