// The inbox page: the list is <notifications-inbox inline>; this wires the send form.
import { client, config, csrfToken } from "./common.js";

const form = document.getElementById("send-form");
const sendStatus = document.getElementById("send-status");

function reason(answer) {
  if (answer.detail) return answer.detail;
  return Object.entries(answer)
    .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`)
    .join("; ");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const body = {
    type: data.get("type"),
    title: data.get("title"),
    message: data.get("message") || null,
    audience: data.get("audience") || "me",
  };
  sendStatus.textContent = "Sending…";
  sendStatus.classList.remove("error");
  try {
    const response = await fetch(config.sendUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({ detail: `HTTP ${response.status}` }));
    if (!response.ok) throw new Error(reason(answer));
    const count = answer.notifications_count;
    sendStatus.textContent = `Sent: ${count} notification${count === 1 ? "" : "s"} created.`;
  } catch (error) {
    const offline = error instanceof TypeError;
    sendStatus.textContent = offline
      ? "Not sent: could not reach the server. Check that it is running and try again."
      : `Not sent: ${error.message}`;
    sendStatus.classList.add("error");
  }
});

// The demo post: follow / unfollow, mute / unmute (the client's watcher calls).
const postState = document.getElementById("post-state");
const followButton = document.getElementById("post-follow");
const muteButton = document.getElementById("post-mute");
let post = { subscribed: false, muted: false };

function showPost() {
  const parts = [post.subscribed ? "You follow this post." : "You do not follow this post."];
  if (post.muted) parts.push("Muted: no notification about it reaches you.");
  postState.textContent = parts.join(" ");
  followButton.textContent = post.subscribed ? "Unfollow" : "Follow";
  muteButton.textContent = post.muted ? "Unmute" : "Mute";
}

async function loadPost() {
  const page = await client.getSubscriptions({ target: config.post.target });
  post = page.results[0] || { subscribed: false, muted: false };
  showPost();
}

async function act(action) {
  try {
    await action();
    await loadPost();
  } catch (error) {
    postState.textContent = `Could not change it: ${error.message}`;
  }
}

followButton.addEventListener("click", () =>
  act(() => (post.subscribed ? client.unsubscribe(config.post.target) : client.subscribe(config.post.target))),
);
muteButton.addEventListener("click", () =>
  act(() => (post.muted ? client.unmute(config.post.target) : client.mute(config.post.target))),
);
client.addEventListener("change", (event) => {
  if (event.detail.reason === "local") loadPost().catch(() => {});
});
loadPost().catch((error) => {
  postState.textContent = `Could not load it: ${error.message}`;
});
