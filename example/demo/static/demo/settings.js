// The settings page: one checkbox per event type (GET types), saved with PATCH filter.
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

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const names = [...form.querySelectorAll("input[name=event_types]:checked")].map((input) => input.value);
  status.textContent = "Saving…";
  try {
    const saved = await client.setFilter(names);
    status.textContent = `Saved: you receive ${saved.length} type${saved.length === 1 ? "" : "s"}.`;
  } catch (error) {
    status.textContent = `Not saved: ${error.message}`;
  }
});
