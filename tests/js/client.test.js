// Unit tests of client.js outside the browser: the frame reducer, the close-code
// decisions and backoff, and the client against a scripted socket and REST API.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

globalThis.location = new URL("http://127.0.0.1:8000/inbox/");

const { NotificationsClient, backoffDelay, reconnectPlan, reduceFrame, targetOf } = await import(
  "../../notifications/static/notifications/client.js"
);

function row(id, extra = {}) {
  return {
    id,
    user: 1,
    readed: null,
    event: { id, timestamp: "2026-11-24T10:00:00Z", author: null, title: `n${id}`, message: null, data: null },
    ...extra,
  };
}

const ids = (items) => items.map((item) => item.id);

describe("reduceFrame", () => {
  const items = [row(5), row(3, { readed: "2026-11-24T11:00:00Z" }), row(1)];

  test("new inserts in newest-first order and never mutates its input", () => {
    const before = JSON.stringify(items);
    assert.deepEqual(ids(reduceFrame(items, { action: "new", notification: row(4) }).items), [5, 4, 3, 1]);
    assert.deepEqual(ids(reduceFrame(items, { action: "new", notification: row(9) }).items), [9, 5, 3, 1]);
    assert.equal(JSON.stringify(items), before);
  });

  test("snoozed drops a loaded row; it comes back with new", () => {
    const { items: gone, known } = reduceFrame(items, { action: "snoozed", notification: { id: 3, snoozed_until: "x" } });
    assert.equal(known, true);
    assert.deepEqual(ids(gone), [5, 1]);
    assert.deepEqual(ids(reduceFrame(gone, { action: "new", notification: row(3) }).items), [5, 3, 1]);
  });

  test("new for a loaded id replaces it instead of duplicating it", () => {
    const { items: next } = reduceFrame(items, { action: "new", notification: row(5, { readed: "x" }) });
    assert.deepEqual(ids(next), [5, 3, 1]);
    assert.equal(next[0].readed, "x");
  });

  test("readed and unread replace a loaded row and leave unknown ids out", () => {
    const read = reduceFrame(items, { action: "readed", notification: row(1, { readed: "t" }) });
    assert.equal(read.items[2].readed, "t");
    const unknown = reduceFrame(items, { action: "unread", notification: row(2) });
    assert.equal(unknown.known, true);
    assert.deepEqual(ids(unknown.items), [5, 3, 1]);
  });

  test("deleted and archived drop the row; unarchived brings it back in place", () => {
    assert.deepEqual(ids(reduceFrame(items, { action: "deleted", notification: { id: 3 } }).items), [5, 1]);
    assert.deepEqual(ids(reduceFrame(items, { action: "archived", notification: row(5) }).items), [3, 1]);
    assert.deepEqual(ids(reduceFrame(items, { action: "unarchived", notification: row(2) }).items), [5, 3, 2, 1]);
  });

  test("updated (a grouped send folded in) replaces the row and moves it to the top", () => {
    const grouped = row(1, { count: 4, authors: [{ id: 9, name: "ann" }] });
    const { items: next } = reduceFrame(items, { action: "updated", notification: grouped });
    assert.deepEqual(ids(next), [1, 5, 3]);
    assert.equal(next[0].count, 4);
  });

  test("seen_all stamps unseen rows only where the server sends `seen`", () => {
    const mixed = [row(3, { seen: null }), row(2, { seen: "2026-11-01T00:00:00Z" }), row(1)];
    const { items: next } = reduceFrame(mixed, { action: "seen_all", before: "2026-11-24T12:00:00Z" });
    assert.deepEqual(
      next.map((item) => item.seen),
      ["2026-11-24T12:00:00Z", "2026-11-01T00:00:00Z", undefined],
    );
  });

  test("readed_all with unread 0 marks every loaded row read at `before`", () => {
    const { items: next } = reduceFrame(items, { action: "readed_all", before: "B", unread: 0 });
    assert.deepEqual(next.map((item) => item.readed), ["B", "2026-11-24T11:00:00Z", "B"]);
  });

  test("unknown actions and malformed frames are ignored", () => {
    for (const frame of [{ action: "confetti" }, { action: null }, null, { action: "new" }, { action: "new", notification: { id: "7" } }]) {
      const result = reduceFrame(items, frame);
      assert.equal(result.known, false, JSON.stringify(frame));
      assert.equal(result.items, items);
    }
  });
});

describe("close codes and backoff", () => {
  test("4401 stops, 4429 reconnects now, the rest back off", () => {
    assert.equal(reconnectPlan(4401), "stop");
    assert.equal(reconnectPlan(4429), "now");
    for (const code of [1013, 1001, 1006, 1011, 4000]) assert.equal(reconnectPlan(code), "backoff");
  });

  test("the delay is between half and all of min(max, min * 2^attempt)", () => {
    assert.equal(backoffDelay(0, 500, 30000, () => 0), 250);
    assert.equal(backoffDelay(0, 500, 30000, () => 1), 500);
    assert.equal(backoffDelay(3, 500, 30000, () => 0), 2000);
    assert.equal(backoffDelay(3, 500, 30000, () => 1), 4000);
    assert.equal(backoffDelay(20, 500, 30000, () => 1), 30000);
    assert.equal(backoffDelay(20, 500, 30000, () => 0), 15000);
  });
});

// ------------------------------------------------------------ scripted world

class FakeSocket extends EventTarget {
  static all = [];

  constructor(url, protocols) {
    super();
    this.url = url;
    this.protocols = protocols;
    this.closedWith = null;
    FakeSocket.all.push(this);
  }

  open() {
    this.dispatchEvent(new Event("open"));
  }

  frame(frame) {
    this.dispatchEvent(Object.assign(new Event("message"), { data: JSON.stringify(frame) }));
  }

  drop(code) {
    this.dispatchEvent(Object.assign(new Event("close"), { code }));
  }

  close(code) {
    this.closedWith = code;
  }
}

/** A REST API answering from `routes` (path + query -> body) and recording requests. */
function fakeApi(routes) {
  const requests = [];
  const fetch = async (url, init = {}) => {
    const parsed = new URL(url);
    const key = parsed.pathname.replace("/api/notifications/", "") + parsed.search;
    requests.push({ method: init.method || "GET", key, body: init.body });
    const handler = Object.entries(routes).find(([prefix]) => key.startsWith(prefix));
    const body = handler ? handler[1] : { detail: "Not found." };
    const status = handler ? 200 : 404;
    return new Response(JSON.stringify(typeof body === "function" ? body(init) : body), {
      status,
      headers: { "Content-Type": "application/json", Date: new Date().toUTCString() },
    });
  };
  return { fetch, requests };
}

const page = (results) => ({ count: results.length, next: null, previous: null, results });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check, what, timeout = 2000) {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe("NotificationsClient against a scripted server", () => {
  let api;
  let client;

  beforeEach(() => {
    FakeSocket.all = [];
    globalThis.WebSocket = FakeSocket;
    api = fakeApi({
      "unread-count": { unread: 2, unseen: 1 },
      "seen-all": { updated: 1, unseen: 0 },
      "2/snooze": row(2, { seen: null }),
      "quiet-hours": (init) => ({ enabled: true, time_zone: "Europe/Paris", start: "22:00", end: "07:00", ...JSON.parse(init.body || "{}") }),
      "?after_id=": page([]),
      "?readed=": page([]),
      "?limit=": page([row(2, { seen: null }), row(1, { seen: "2026-11-24T10:00:00Z" })]),
    });
    globalThis.fetch = api.fetch;
  });

  afterEach(() => {
    if (client) client.close();
    client = null;
  });

  async function started(options = {}) {
    client = new NotificationsClient({ apiUrl: "/api/notifications/", minDelay: 20, maxDelay: 80, shareConnection: false, ...options });
    await until(() => FakeSocket.all.length === 1, "the first socket");
    FakeSocket.all[0].open();
    await client.ready;
    return FakeSocket.all[0];
  }

  test("loads the first page and both counts once the socket is open", async () => {
    const socket = await started();
    assert.equal(socket.url, "ws://127.0.0.1:8000/ws/notifications");
    assert.deepEqual(ids(client.notifications), [2, 1]);
    assert.equal(client.unread, 2);
    assert.equal(client.unseen, 1);
    assert.equal(client.connected, true);
    assert.equal(client.isLeader, true);
  });

  test("frames update the list and both counts; unknown ones change nothing", async () => {
    const socket = await started();
    const reasons = [];
    const arrived = [];
    client.addEventListener("change", (event) => reasons.push(event.detail.reason));
    client.addEventListener("notification", (event) => arrived.push(event.detail.notification.id));
    socket.frame({ action: "confetti", unread: 99, unseen: 99 });
    socket.frame({ action: "new", notification: row(7, { seen: null }), unread: 3, unseen: 2 });
    socket.frame({ action: "seen_all", before: "2026-11-24T12:00:00Z", unread: 3, unseen: 0 });
    assert.deepEqual(reasons, ["new", "seen_all"]);
    assert.deepEqual(arrived, [7]);
    assert.deepEqual(ids(client.notifications), [7, 2, 1]);
    assert.equal(client.unread, 3);
    assert.equal(client.unseen, 0);
    assert.ok(client.notifications.every((item) => item.seen));
  });

  test("a frame older than the newest applied (smaller seq) changes the list, not the counts", async () => {
    const socket = await started();
    const arrived = [];
    client.addEventListener("notification", (event) => arrived.push(event.detail.notification.id));
    socket.frame({ action: "deleted", notification: { id: 2 }, unread: 1, unseen: 0, seq: 41 });
    // Committed before the delete, delivered after it (another worker was slower).
    socket.frame({ action: "new", notification: row(7), unread: 3, unseen: 2, seq: 40 });
    assert.deepEqual(arrived, [7]);
    assert.deepEqual(ids(client.notifications), [7, 1]);
    assert.equal(client.unread, 1);
    assert.equal(client.unseen, 0);
    socket.frame({ action: "readed", notification: row(7, { readed: "t" }), unread: 0, unseen: 0, seq: 42 });
    assert.equal(client.unread, 0);
  });

  test("a new socket starts over: its first frame's counts apply whatever their seq", async () => {
    const socket = await started();
    socket.frame({ action: "new", notification: row(7), unread: 3, unseen: 2, seq: 900 });
    socket.drop(1013);
    await until(() => FakeSocket.all.length === 2, "the reconnect");
    FakeSocket.all[1].open();
    await until(() => api.requests.some((r) => r.key.startsWith("?after_id=")), "the catch-up");
    FakeSocket.all[1].frame({ action: "new", notification: row(8), unread: 4, unseen: 3, seq: 5 });
    assert.equal(client.unread, 4);
  });

  test("4401 stops reconnecting until reconnect()", async () => {
    const socket = await started();
    const events = [];
    client.addEventListener("connection", (event) => events.push(event.detail));
    socket.drop(4401);
    await sleep(200); // longer than maxDelay
    assert.equal(FakeSocket.all.length, 1);
    assert.equal(client.stopped, true);
    assert.deepEqual(events, [{ connected: false, attempt: 0, leader: true, code: 4401, stopped: true }]);
    client.reconnect();
    assert.equal(FakeSocket.all.length, 2);
    assert.equal(client.stopped, false);
  });

  test("a 403 from the API (nobody logged in) stops every retry until reconnect()", async () => {
    globalThis.fetch = async () =>
      new Response(JSON.stringify({ detail: "Authentication credentials were not provided." }), {
        status: 403,
        headers: { "Content-Type": "application/json" },
      });
    client = new NotificationsClient({ apiUrl: "/api/notifications/", minDelay: 20, maxDelay: 40, shareConnection: false, openTimeout: 10 });
    const connection = [];
    const errors = [];
    client.addEventListener("connection", (event) => connection.push(event.detail));
    client.addEventListener("error", (event) => errors.push(event.detail.error));
    await until(() => FakeSocket.all.length === 1, "the first socket");
    FakeSocket.all[0].drop(1006); // the handshake refused: a browser sees 1006
    await until(() => client.authenticated === false, "the sign-out");
    const sockets = FakeSocket.all.length;
    await sleep(250); // several times maxDelay
    assert.equal(FakeSocket.all.length, sockets);
    assert.equal(client.stopped, true);
    assert.deepEqual(errors, []);
    assert.equal(connection.filter((detail) => detail.unauthenticated).length, 1);
    globalThis.fetch = api.fetch; // logged in now
    client.reconnect();
    await until(() => client.authenticated === true, "the reload after reconnect()");
    assert.deepEqual(ids(client.notifications), [2, 1]);
  });

  test("4429 reconnects at once and catches up from the newest id", async () => {
    const socket = await started();
    const delays = [];
    client.addEventListener("connection", (event) => event.detail.delay !== undefined && delays.push(event.detail.delay));
    socket.drop(4429);
    assert.deepEqual(delays, [0]);
    await until(() => FakeSocket.all.length === 2, "the reconnect");
    api.requests.length = 0;
    FakeSocket.all[1].open();
    await until(() => api.requests.some((r) => r.key === "unread-count"), "the catch-up");
    const keys = api.requests.map((r) => r.key);
    assert.ok(keys.includes("?after_id=2&limit=100"), keys.join(" "));
    assert.ok(keys.some((key) => key.startsWith("?readed=")), keys.join(" "));
  });

  test("a second 4429 in a row backs off instead of hammering", async () => {
    const socket = await started();
    const delays = [];
    client.addEventListener("connection", (event) => event.detail.delay !== undefined && delays.push(event.detail.delay));
    socket.drop(4429);
    await until(() => FakeSocket.all.length === 2, "the reconnect");
    FakeSocket.all[1].drop(4429);
    assert.equal(delays[0], 0);
    assert.ok(delays[1] >= 20 && delays[1] <= 40, String(delays));
  });

  test("1013 backs off, then reconnects and catches up", async () => {
    const socket = await started();
    const delays = [];
    client.addEventListener("connection", (event) => event.detail.delay !== undefined && delays.push(event.detail.delay));
    socket.drop(1013);
    assert.equal(delays.length, 1);
    assert.ok(delays[0] >= 10 && delays[0] <= 20, String(delays));
    assert.equal(FakeSocket.all.length, 1, "no attempt before the delay");
    await until(() => FakeSocket.all.length === 2, "the reconnect");
    api.requests.length = 0;
    FakeSocket.all[1].open();
    await until(() => api.requests.some((r) => r.key === "unread-count"), "the catch-up");
    assert.ok(api.requests.some((r) => r.key.startsWith("?after_id=")));
  });

  test("markAllSeen posts seen-all and stamps the loaded rows", async () => {
    await started();
    const result = await client.markAllSeen();
    assert.deepEqual(result, { updated: 1, unseen: 0 });
    assert.deepEqual(api.requests.at(-1), { method: "POST", key: "seen-all", body: undefined });
    assert.equal(client.unseen, 0);
    assert.ok(client.notifications.every((item) => item.seen));
  });

  test("snooze posts the time, drops the row and both counts", async () => {
    await started();
    const until = new Date("2030-01-01T09:00:00Z");
    const result = await client.snooze(2, until);
    assert.equal(result.id, 2);
    assert.deepEqual(api.requests.at(-1), { method: "POST", key: "2/snooze", body: JSON.stringify({ until: "2030-01-01T09:00:00.000Z" }) });
    assert.deepEqual(ids(client.notifications), [1]);
    assert.equal(client.unread, 1);
    assert.equal(client.unseen, 0);
  });

  test("quiet hours are read and patched", async () => {
    await started();
    const changed = await client.setQuietHours({ start: "21:00" });
    assert.equal(changed.start, "21:00");
    assert.deepEqual(api.requests.at(-1), { method: "PATCH", key: "quiet-hours", body: JSON.stringify({ start: "21:00" }) });
    assert.equal((await client.getQuietHours()).time_zone, "Europe/Paris");
  });

  test("archive against a server without it rejects with the 404 and keeps the row", async () => {
    await started();
    await assert.rejects(client.archive(2), (error) => error.name === "NotificationsError" && error.status === 404);
    assert.deepEqual(ids(client.notifications), [2, 1]);
  });

  test("the list asks for target_muted; mute and unmute mark the rows about that target", async () => {
    const about = { event: { ...row(5).event, target: { type: "blog.post", id: "7" } } };
    api = fakeApi({
      "unread-count": { unread: 2, unseen: 1 },
      "subscriptions/mute": (init) =>
        init.method === "POST"
          ? { target: { type: "blog.post", id: "7" }, subscribed: false, muted: true, muted_until: null, created: "t" }
          : null,
      "?limit=": page([row(5, { ...about, target_muted: false }), row(1, { target_muted: null })]),
    });
    globalThis.fetch = api.fetch;
    await started();
    assert.ok(api.requests.some((r) => r.key.startsWith("?limit=") && r.key.includes("with=target_muted")));
    const target = targetOf(client.notifications[0]);
    assert.equal(target, "blog.post:7");
    assert.equal(targetOf(client.notifications[1]), null);

    const muted = await client.mute(target);

    assert.equal(muted.muted, true);
    const post = api.requests.find((r) => r.method === "POST");
    assert.deepEqual(JSON.parse(post.body), { target: "blog.post:7", until: null });
    assert.deepEqual(client.notifications.map((item) => item.target_muted), [true, null]);
    // A frame about the row carries no target_muted: the list keeps what it knew.
    FakeSocket.all[0].frame({ action: "readed", notification: { ...row(5, about), readed: "t" }, unread: 1, unseen: 0 });
    assert.deepEqual(client.notifications.map((item) => item.target_muted), [true, null]);
    await client.unmute(target);
    const gone = api.requests.find((r) => r.method === "DELETE");
    assert.equal(gone.key, "subscriptions/mute?target=blog.post%3A7");
    assert.deepEqual(client.notifications.map((item) => item.target_muted), [false, null]);
  });
});
