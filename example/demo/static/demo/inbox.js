// The inbox page: the list is <notifications-inbox inline>; this wires the send form.
import { config, csrfToken } from "./common.js";

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
