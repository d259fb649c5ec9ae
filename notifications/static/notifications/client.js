/**
 * Browser client for django-rest-notifications.
 *
 * An ES module with no dependencies and no build step:
 *
 *     import { NotificationsClient } from "/static/notifications/client.js";
 *     const client = new NotificationsClient({ apiUrl: "/api/notifications/" });
 *     client.addEventListener("change", () => render(client.notifications, client.unread));
 *
 * It loads the first page over REST, keeps it current from the WebSocket's
 * frames, reconnects with exponential backoff and jitter, and after every
 * reconnect catches up through the REST cursors (`after_id` for new ones,
 * `readed=<time>` for read-state changes), so nothing sent while the socket
 * was down is lost.
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

function defaultSocketUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws/notifications`;
}

function byNewest(a, b) {
  return b.id - a.id;
}

/**
 * The user's notifications, kept current. Extends `EventTarget`:
 *
 * - `change`     detail `{reason, notification?}`: the list or the unread count changed.
 *                `reason` is a frame action (`new`, `readed`, `unread`, `deleted`,
 *                `readed_all`) or `load`, `more`, `catch-up`, `local`.
 * - `notification` detail `{notification}`: a new notification arrived live.
 * - `connection` detail `{connected, attempt, delay?}`: the socket opened or closed.
 * - `error`      detail `{error}`: a background request (load, catch-up) failed.
 */
export class NotificationsClient extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.apiUrl where `include("notifications.urls")` is mounted.
   * @param {string} [options.socketUrl] the `ws/notifications` URL (default: same host).
   * @param {number} [options.pageSize=20] notifications per page.
   * @param {string} [options.token] a DRF token, for pages without a session.
   * @param {string} [options.csrfCookieName="csrftoken"]
   * @param {number} [options.minDelay=500] first reconnect delay (ms).
   * @param {number} [options.maxDelay=30000] longest reconnect delay (ms).
   * @param {number} [options.clockMargin=5000] margin (ms) on the read-state catch-up time.
   * @param {number} [options.stableAfter=5000] a socket open this long (ms) resets the backoff.
   * @param {number} [options.openTimeout=3000] longest wait (ms) for the socket before the first page.
   * @param {number} [options.catchUpPages=20] most REST pages one catch-up reads per cursor.
   * @param {boolean} [options.autoStart=true] load and connect from the constructor.
   */
  constructor(options = {}) {
    super();
    if (!options.apiUrl) throw new TypeError("NotificationsClient: apiUrl is required");
    const api = options.apiUrl.endsWith("/") ? options.apiUrl : `${options.apiUrl}/`;
    this.apiUrl = new URL(api, location.href).href;
    this.socketUrl = options.socketUrl || defaultSocketUrl();
    this.pageSize = options.pageSize || 20;
    this.token = options.token || null;
    this.csrfCookieName = options.csrfCookieName || "csrftoken";
    this.minDelay = options.minDelay ?? 500;
    this.maxDelay = options.maxDelay ?? 30000;
    this.catchUpPages = options.catchUpPages ?? 20;
    this.clockMargin = options.clockMargin ?? 5000;
    this.stableAfter = options.stableAfter ?? 5000;
    this.openTimeout = options.openTimeout ?? 3000;

    this._items = []; // newest first
    this._unread = null;
    this._newestId = 0; // the greatest id ever seen (the after_id cursor)
    this._hasMore = false;
    this._loaded = false;
    this._socket = null;
    this._connected = false;
    this._attempt = 0;
    this._timer = null;
    this._closed = false;
    this._clockOffset = 0; // server clock minus ours, from the Date header
    this._openedAt = null; // server time the current/last socket opened
    this._loadStartedAt = null; // server time the first page was requested
    this._whenOpen = null;
    this._frameSeq = 0; // frames applied so far
    this._touched = new Map(); // id -> frame sequence that last changed it
    this._catchingUp = null;
    this._pendingSince = null;
    this._onOnline = () => this._reconnectNow();

    /** Resolves once the first page is loaded (rejects if that failed). */
    this.ready = Promise.resolve();
    if (options.autoStart !== false) this.start();
  }

  /** Open the socket, then load the first page (the constructor calls this unless autoStart is false). */
  start() {
    this._closed = false;
    if (typeof window !== "undefined") window.addEventListener("online", this._onOnline);
    // The page is read once the socket has joined the user's group, so nothing
    // created in between can be missed. A socket that fails or is slow does not
    // hold the page back for longer than openTimeout.
    const opened = new Promise((resolve) => {
      this._whenOpen = resolve;
    });
    const timeout = new Promise((resolve) => setTimeout(resolve, this.openTimeout));
    this._connect();
    this.ready = Promise.race([opened, timeout]).then(() => this._loadFirstPage());
    this.ready.catch((error) => this._emit("error", { error }));
    return this.ready;
  }

  /** The loaded notifications, newest first (a copy). */
  get notifications() {
    return this._items.slice();
  }

  /** The user's unread count (from the latest frame or request); null until known. */
  get unread() {
    return this._unread;
  }

  /** Whether older notifications remain to `loadMore()`. */
  get hasMore() {
    return this._hasMore;
  }

  /** Whether the socket is open. */
  get connected() {
    return this._connected;
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
    for (const item of this._items) if (!item.readed) item.readed = now;
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

  /** Delete one notification. */
  async remove(id) {
    await this._request("DELETE", `${id}`);
    const removed = this._drop(id);
    if (removed && !removed.readed && this._unread) this._unread -= 1;
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

  /** Load the next (older) page; resolves to the notifications it added. */
  async loadMore() {
    await this.ready;
    const page = await this._request("GET", `?limit=${this.pageSize}&offset=${this._items.length}`);
    const added = page.results.filter((row) => !this._find(row.id));
    this._merge(page.results, this._frameSeq);
    this._hasMore = Boolean(page.next);
    this._changed("more");
    return added;
  }

  /** Close the socket for good and stop reconnecting. */
  close() {
    this._closed = true;
    clearTimeout(this._timer);
    this._timer = null;
    if (typeof window !== "undefined") window.removeEventListener("online", this._onOnline);
    if (this._socket) this._socket.close(1000);
    this._socket = null;
    this._connected = false;
  }

  // ---------------------------------------------------------------- socket

  _connect() {
    if (this._closed) return;
    const protocols = this.token ? ["token", this.token] : undefined;
    let socket;
    try {
      socket = new WebSocket(this.socketUrl, protocols);
    } catch (error) {
      this._emit("error", { error });
      this._scheduleReconnect();
      return;
    }
    this._socket = socket;
    socket.addEventListener("open", () => {
      if (socket !== this._socket) return;
      // Changes since the previous socket opened (or since the page was read,
      // if that happened first) may have been missed: catch up on them.
      const since = this._openedAt ?? this._loadStartedAt;
      this._openedAt = this._serverNow();
      this._connected = true;
      this._emit("connection", { connected: true, attempt: this._attempt });
      this._resolveOpen();
      if (since !== null) this._catchUp(since);
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this._socket) return;
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this._onFrame(frame);
    });
    socket.addEventListener("close", () => {
      if (socket !== this._socket) return;
      this._socket = null;
      this._resolveOpen(); // a socket that cannot open must not delay the first page
      const wasConnected = this._connected;
      this._connected = false;
      // Back off from scratch only after a socket that stayed up: a server that
      // accepts and drops at once must not be hammered at the shortest delay.
      if (wasConnected && this._serverNow() - this._openedAt >= this.stableAfter) this._attempt = 0;
      if (wasConnected) this._emit("connection", { connected: false, attempt: this._attempt });
      this._scheduleReconnect();
    });
  }

  _resolveOpen() {
    if (this._whenOpen) this._whenOpen();
    this._whenOpen = null;
  }

  _scheduleReconnect() {
    if (this._closed || this._timer !== null) return;
    // Exponential backoff with "equal jitter": half fixed, half random.
    const ceiling = Math.min(this.maxDelay, this.minDelay * 2 ** this._attempt);
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this._attempt += 1;
    this._emit("connection", { connected: false, attempt: this._attempt, delay });
    this._timer = setTimeout(() => {
      this._timer = null;
      this._connect();
    }, delay);
  }

  _reconnectNow() {
    if (this._closed || this._socket) return;
    clearTimeout(this._timer);
    this._timer = null;
    this._connect();
  }

  _onFrame(frame) {
    const action = frame && frame.action;
    const row = frame.notification;
    switch (action) {
      case "new":
      case "readed":
      case "unread":
        if (!row || typeof row.id !== "number") return;
        this._touch(row.id);
        if (action === "new") this._newestId = Math.max(this._newestId, row.id);
        if (action === "new" || this._find(row.id)) this._apply(row, action === "new");
        break;
      case "deleted":
        if (!row || typeof row.id !== "number") return;
        this._touch(row.id);
        this._drop(row.id);
        break;
      case "readed_all": {
        this._frameSeq += 1;
        const before = frame.before || new Date(this._serverNow()).toISOString();
        if (frame.unread === 0) {
          for (const item of this._items) if (!item.readed) item.readed = before;
        } else {
          // Only some types were marked: ask which ones.
          this._syncReadState(Date.parse(before) - 1000).then(
            () => this._changed("catch-up"),
            (error) => this._emit("error", { error }),
          );
        }
        break;
      }
      default:
        return; // an action this client does not know: ignore it
    }
    if (typeof frame.unread === "number") this._unread = frame.unread;
    this._changed(action, row);
    if (action === "new") this._emit("notification", { notification: row });
  }

  // ---------------------------------------------------------------- sync

  async _loadFirstPage() {
    const seq = this._frameSeq;
    this._loadStartedAt = this._serverNow();
    const [page, count] = await Promise.all([
      this._request("GET", `?limit=${this.pageSize}`),
      this._request("GET", "unread-count"),
    ]);
    this._merge(page.results, seq);
    for (const row of page.results) this._newestId = Math.max(this._newestId, row.id);
    this._hasMore = Boolean(page.next);
    if (this._frameSeq === seq) this._unread = count.unread;
    this._loaded = true;
    this._changed("load");
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
      if (this._frameSeq === seq) this._unread = count.unread;
      this._changed("catch-up");
    };
    this._catchingUp = run()
      .catch((error) => this._emit("error", { error }))
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

  /** Refresh the first page: catches deletions and mark-unread made while offline. */
  async _reconcileFirstPage(seq) {
    const page = await this._request("GET", `?limit=${this.pageSize}`);
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
      this._items[index] = row;
    } else if (insert) {
      this._items.push(row);
      this._items.sort(byNewest);
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
      credentials: "same-origin",
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
