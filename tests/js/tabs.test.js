// Tabs sharing one socket, outside the browser: Node's BroadcastChannel and a
// Web Locks stand-in (exclusive locks granted in request order, released when
// the callback's promise settles, queued requests cancelled by their signal).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

globalThis.location = new URL("http://127.0.0.1:8000/inbox/");

class FakeLocks {
  constructor() {
    this.queues = new Map();
  }

  request(name, options, callback) {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(name) || [];
      this.queues.set(name, queue);
      const entry = { callback, resolve, reject };
      options.signal?.addEventListener("abort", () => {
        const index = queue.indexOf(entry);
        if (index > 0) {
          queue.splice(index, 1);
          reject(new DOMException("aborted", "AbortError"));
        }
      });
      queue.push(entry);
      if (queue.length === 1) this._grant(name);
    });
  }

  _grant(name) {
    const queue = this.queues.get(name);
    const entry = queue[0];
    if (!entry) return;
    Promise.resolve(entry.callback({ name }))
      .then(entry.resolve, entry.reject)
      .finally(() => {
        queue.shift();
        this._grant(name);
      });
  }
}

class FakeSocket extends EventTarget {
  static all = [];

  constructor(url) {
    super();
    this.url = url;
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

  close() {
    this.drop(1000);
  }
}

const { NotificationsClient } = await import("../../notifications/static/notifications/client.js");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check, what, timeout = 2000) {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function row(id) {
  return { id, user: 1, readed: null, event: { id, timestamp: "2026-11-24T10:00:00Z", title: `n${id}` } };
}

describe("tabs share one socket", () => {
  let clients;

  beforeEach(() => {
    clients = [];
    FakeSocket.all = [];
    globalThis.WebSocket = FakeSocket;
    globalThis.navigator = { locks: new FakeLocks() };
    globalThis.fetch = async (url) => {
      const key = new URL(url).pathname.endsWith("unread-count") ? "count" : "page";
      const body = key === "count" ? { unread: 0 } : { count: 0, next: null, previous: null, results: [] };
      return new Response(JSON.stringify(body), { headers: { Date: new Date().toUTCString() } });
    };
  });

  afterEach(() => {
    for (const client of clients) client.close();
  });

  function tab(name = "shared") {
    const client = new NotificationsClient({ apiUrl: "/api/notifications/", channelName: name, minDelay: 20, maxDelay: 40 });
    clients.push(client);
    return client;
  }

  test("the first tab leads, the second follows the leader's socket and frames", async () => {
    const leader = tab();
    await until(() => FakeSocket.all.length === 1, "the leader's socket");
    FakeSocket.all[0].open();
    await leader.ready;
    const follower = tab();
    await follower.ready;
    assert.equal(follower.connected, true);
    assert.deepEqual([leader.isLeader, follower.isLeader], [true, false]);
    assert.equal(FakeSocket.all.length, 1);

    FakeSocket.all[0].frame({ action: "new", notification: row(5), unread: 1 });
    await until(() => follower.notifications.length === 1, "the relayed frame");
    assert.deepEqual(
      [leader.unread, follower.unread, follower.notifications[0].id],
      [1, 1, 5],
    );
  });

  test("when the leader closes, the next tab opens the socket and catches up", async () => {
    const first = tab();
    await until(() => FakeSocket.all.length === 1, "the first socket");
    FakeSocket.all[0].open();
    await first.ready;
    const second = tab();
    await second.ready;
    const seen = [];
    second.addEventListener("connection", (event) => seen.push(event.detail.connected));

    first.close();
    await until(() => second.isLeader, "the handover");
    await until(() => FakeSocket.all.length === 2, "the new leader's socket");
    FakeSocket.all[1].open();
    await until(() => second.connected, "the new socket open");
    assert.deepEqual(seen, [false, true]);
    FakeSocket.all[1].frame({ action: "new", notification: row(9), unread: 1 });
    assert.deepEqual(second.notifications.map((item) => item.id), [9]);
  });

  test("a 4401 on the leader's socket stops the followers too", async () => {
    const leader = tab();
    await until(() => FakeSocket.all.length === 1, "the socket");
    FakeSocket.all[0].open();
    await leader.ready;
    const follower = tab();
    await follower.ready;
    FakeSocket.all[0].drop(4401);
    await until(() => follower.stopped, "the follower stopping");
    assert.equal(follower.connected, false);
    await sleep(100);
    assert.equal(FakeSocket.all.length, 1);
    follower.reconnect(); // asks the leader
    await until(() => FakeSocket.all.length === 2, "the leader reconnecting");
  });

  test("clients with different channel names (other credentials) do not share", async () => {
    tab("ann");
    tab("bob");
    await until(() => FakeSocket.all.length === 2, "two sockets");
  });
});
