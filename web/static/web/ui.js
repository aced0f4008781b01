// Small DOM helpers shared by the pages: an element builder, times, forms with their errors, dialogs, copy and
// download. No framework: each page builds its DOM with `h()` and re-renders the part that changed.

/** h("button", {type: "button", onclick: fn, class: "primary"}, "Text", childNode, ...) */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

let uid = 0;
export const nextId = (prefix) => `${prefix}-${++uid}`;

const LOCAL = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** An API timestamp in the browser's zone; the exact UTC time on hover (title) and for machines (datetime). */
export function time(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const at = new Date(iso);
  const utc = `${at.toISOString().replace("T", " ").slice(0, 19)} UTC`;
  return h("time", { datetime: at.toISOString(), title: utc }, LOCAL.format(at));
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

/** An error where it happened: a sentence, plus the request id support can look up. */
export function errorBox(error) {
  const box = h("div", { class: "alert", role: "alert" }, h("p", {}, describe(error)));
  // A refusal explains itself; a server fault gets the request id support can find in the logs.
  if (error && error.requestId && error.status >= 500) {
    box.append(h("p", { class: "small" }, `Reference for support: ${error.requestId}`));
  }
  return box;
}

/** Words for an ApiError (or anything thrown). Codes with a better sentence for this page get one here. */
export function describe(error) {
  if (!error) return "Something went wrong.";
  if (error.code === "not_authenticated") return "Your session has ended. Log in again.";
  if (error.code === "csrf_failed" || /CSRF/i.test(error.message || ""))
    return "The page's security token expired. Reload the page and try again.";
  if (error.code === "too_many_attempts" && error.details && error.details.retry_after) {
    const minutes = Math.ceil(error.details.retry_after / 60);
    return `${error.message} Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
  }
  return error.message || "Something went wrong.";
}

/**
 * A labelled field. `input` is the control (built with h()); the label, hint and error slot are wired to it
 * with for/aria-describedby, so screen readers announce the hint and the error with the control.
 */
export function field(label, input, hint) {
  input.id ||= nextId("f");
  const hintId = `${input.id}-hint`;
  const errorId = `${input.id}-error`;
  input.setAttribute("aria-describedby", hint ? `${hintId} ${errorId}` : errorId);
  return h(
    "div",
    { class: "field", "data-field": input.name || "" },
    h("label", { for: input.id }, label),
    input,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    h("p", { class: "field-error", id: errorId }),
  );
}

export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((node) => (node.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  form.querySelectorAll(".form-alert").forEach((node) => node.remove());
}

/** Show an ApiError on a form: each field named in `details` gets its own message, the rest goes on top. */
export function showFormError(form, error) {
  clearErrors(form);
  let first = null;
  for (const [name, problems] of Object.entries((error && error.details) || {})) {
    const input = form.elements.namedItem(name);
    if (!input || !(input instanceof HTMLElement)) continue;
    input.setAttribute("aria-invalid", "true");
    const slot = document.getElementById(`${input.id}-error`);
    if (slot) slot.textContent = Array.isArray(problems) ? problems.join(" ") : String(problems);
    first ||= input;
  }
  const box = errorBox(error);
  box.classList.add("form-alert");
  form.prepend(box);
  (first || box).focus?.();
  if (!first) box.scrollIntoView({ block: "nearest" });
}

/**
 * Run `work` for a form submit: the button shows it is busy, errors land on the form, and the form's fields
 * stay usable from the keyboard. Resolves to work's result, or undefined when it failed (already shown).
 */
export async function submitting(form, work) {
  const button = form.querySelector("button[type=submit]");
  const label = button && button.textContent;
  clearErrors(form);
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = `${label}…`;
  }
  try {
    return await work();
  } catch (error) {
    showFormError(form, error);
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = label;
    }
  }
}

/**
 * A modal dialog (native <dialog>: focus is trapped, Esc closes it). `build(close)` returns its body.
 * Resolves with the value passed to close() once it is closed.
 */
export function openDialog(title, build, { dismissable = true } = {}) {
  return new Promise((resolve) => {
    const titleId = nextId("dlg");
    const dialog = h("dialog", { "aria-labelledby": titleId, class: "dialog" });
    let result;
    const close = (value) => {
      result = value;
      dialog.close();
    };
    dialog.append(h("h2", { id: titleId }, title), build(close));
    dialog.addEventListener("cancel", (event) => {
      if (!dismissable) event.preventDefault();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("input:not([type=hidden]):not([disabled]), textarea, select")?.focus();
  });
}

/** Copy text; the clipboard API needs a secure context (https or localhost), so fall back to a selection. */
export async function copyText(text, button) {
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch {
    const area = h("textarea", { "aria-hidden": "true", class: "offscreen" }, text);
    document.body.append(area);
    area.select();
    copied = document.execCommand("copy");
    area.remove();
  }
  if (button) {
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = copied ? "Copied" : "Select and copy by hand";
    setTimeout(() => (button.textContent = label), 2000);
  }
  return copied;
}

export function downloadText(filename, text, type = "text/plain") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: filename, class: "offscreen" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A numeric string from the API (Decimal, never a float on the wire) with grouping, its digits kept. */
export function amount(text, { min = 0 } = {}) {
  if (text === null || text === undefined || text === "") return "—";
  const [whole, fraction = ""] = String(text).split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = fraction.replace(/0+$/, "").padEnd(min, "0");
  return `${sign}${digits}${frac ? `.${frac}` : ""}`;
}

export function badge(text, kind = "") {
  return h("span", { class: `badge ${kind}` }, text);
}

export function pageHeader(title, intro, ...actions) {
  return h(
    "div",
    { class: "page-head" },
    h("div", {}, h("h1", {}, title), intro ? h("p", { class: "muted" }, intro) : null),
    actions.length ? h("div", { class: "actions" }, ...actions) : null,
  );
}

/** A table that scrolls sideways on a narrow screen instead of breaking the page. */
export function table(caption, headers, rows, { cls = "" } = {}) {
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      { class: cls },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows),
    ),
  );
}

/** Replace a node's children; null/false entries (optional parts) are left out, arrays are flattened. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/**
 * A dialog holding one form: `fields` is its content; the buttons are Cancel and `submit`. On submit `send(form)`
 * runs (the button shows it is busy, errors land on the form) and the dialog closes with its result (true for an
 * empty answer such as a 204). Cancel or Esc resolves with undefined.
 */
export function formDialog(title, { fields, submit, send, danger = false, extraActions = [] }) {
  return openDialog(title, (close) => {
    const form = h(
      "form",
      { novalidate: true },
      fields,
      h(
        "div",
        { class: "actions end" },
        extraActions,
        h("button", { type: "button", onclick: () => close(undefined) }, "Cancel"),
        h("button", { type: "submit", class: danger ? "danger" : "primary" }, submit),
      ),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await submitting(form, () => send(form));
      if (result !== undefined) close(result ?? true);
    });
    return form;
  });
}

/** The second-factor input every protected action asks for. */
export function twoFactorField(label = "Authentication code") {
  return field(
    label,
    h("input", { name: "code", autocomplete: "one-time-code", inputmode: "numeric", maxlength: "32", spellcheck: "false", required: true }),
    "From your authenticator app, or one of your recovery codes.",
  );
}
