// The settings page: one checkbox per event type (GET types), saved on click with PATCH filter;
// then a switch per type and channel beyond in-app (GET / PATCH preferences).
import { client } from "./common.js";

const form = document.getElementById("filter-form");
const fieldset = document.getElementById("types");
const status = document.getElementById("filter-status");

function option(type) {
  const input = document.createElement("input");
  input.type = "checkbox";
  input.name = "event_types";
  input.value = type.name;
  input.checked = type.enabled;
  input.id = `type-${type.name}`;
  const label = document.createElement("label");
  label.className = "choice";
  label.htmlFor = input.id;
  const text = document.createElement("span");
  const title = document.createElement("strong");
  title.textContent = type.title;
  text.append(title);
  if (type.description) {
    const description = document.createElement("small");
    description.textContent = type.description;
    text.append(description);
  }
  label.append(input, text);
  return label;
}

client.getTypes().then(
  (types) => {
    fieldset.append(...types.map(option));
    fieldset.setAttribute("aria-busy", "false");
  },
  (error) => {
    status.textContent = `Could not load the types: ${error.message}`;
  },
);

// Saved as you click, like the channels table below (one way to save on the page).
form.addEventListener("submit", (event) => event.preventDefault());
form.addEventListener("change", async (event) => {
  const input = event.target;
  const names = [...form.querySelectorAll("input[name=event_types]:checked")].map((box) => box.value);
  status.textContent = "Saving…";
  try {
    const saved = await client.setFilter(names);
    status.textContent = `Saved: you receive ${saved.length} type${saved.length === 1 ? "" : "s"}.`;
  } catch (error) {
    input.checked = !input.checked;
    status.textContent = `Not saved: ${error.message}`;
  }
});

const CHANNEL_NAMES = { email: "Email", web_push: "Browser push" };
const head = document.getElementById("channels-head");
const body = document.getElementById("channels-body");
const table = document.getElementById("channels");
const channelStatus = document.getElementById("channels-status");

function channelRow(type, channels) {
  const row = document.createElement("tr");
  const name = document.createElement("th");
  name.scope = "row";
  name.textContent = type.title;
  row.append(name);
  for (const channel of channels) {
    const cell = document.createElement("td");
    if (channel in type.channels) {
      const input = document.createElement("input");
      input.type = "checkbox";
      input.checked = type.channels[channel];
      input.setAttribute("aria-label", `${type.title}: ${CHANNEL_NAMES[channel] || channel}`);
      input.addEventListener("change", async () => {
        channelStatus.textContent = "Saving…";
        try {
          await client.setPreferences({ types: { [type.name]: { [channel]: input.checked } } });
          const state = input.checked ? "on" : "off";
          channelStatus.textContent = `Saved: ${CHANNEL_NAMES[channel] || channel} for ${type.title} is ${state}.`;
        } catch (error) {
          input.checked = !input.checked;
          channelStatus.textContent = `Not saved: ${error.message}`;
        }
      });
      cell.append(input);
    } else {
      cell.textContent = "—";
      cell.title = "Not offered for this type";
    }
    row.append(cell);
  }
  return row;
}

client.getPreferences().then(
  (preferences) => {
    const channels = preferences.channels.filter((channel) => channel !== "in_app");
    for (const channel of channels) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = CHANNEL_NAMES[channel] || channel;
      head.append(th);
    }
    const offering = preferences.types.filter((type) => channels.some((c) => c in type.channels));
    body.append(...offering.map((type) => channelRow(type, channels)));
    if (!offering.length) channelStatus.textContent = "No type is sent on another channel here.";
    table.setAttribute("aria-busy", "false");
  },
  (error) => {
    channelStatus.textContent = `Could not load the channels: ${error.message}`;
  },
);

// Quiet hours (GET / PATCH quiet-hours): the browser's time zone is offered when none is set.
const quietForm = document.getElementById("quiet-form");
const quietStatus = document.getElementById("quiet-status");
const fields = {
  enabled: document.getElementById("quiet-enabled"),
  start: document.getElementById("quiet-start"),
  end: document.getElementById("quiet-end"),
  time_zone: document.getElementById("quiet-zone"),
};

function showQuiet(hours) {
  fields.enabled.checked = hours.enabled;
  fields.start.value = hours.start;
  fields.end.value = hours.end;
  fields.time_zone.value = hours.enabled ? hours.time_zone : Intl.DateTimeFormat().resolvedOptions().timeZone || hours.time_zone;
}

client.getQuietHours().then(
  (hours) => {
    showQuiet(hours);
    quietForm.setAttribute("aria-busy", "false");
  },
  (error) => {
    quietStatus.textContent = `Could not load quiet hours: ${error.message}`;
  },
);

quietForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  quietStatus.textContent = "Saving…";
  try {
    const saved = await client.setQuietHours({
      enabled: fields.enabled.checked,
      start: fields.start.value.slice(0, 5),
      end: fields.end.value.slice(0, 5),
      time_zone: fields.time_zone.value.trim(),
    });
    showQuiet(saved);
    quietStatus.textContent = saved.enabled ? `Saved: quiet from ${saved.start} to ${saved.end} (${saved.time_zone}).` : "Saved: quiet hours off.";
  } catch (error) {
    quietStatus.textContent = `Not saved: ${error.message}`;
  }
});
