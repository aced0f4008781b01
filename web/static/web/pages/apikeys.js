// API Keys Management. The contract's subtle parts, in the order a user meets them:
// - Creating needs 2FA: without it the API answers 403 `2fa_required`, so the page asks first (profile's
//   two_factor_enabled) and offers the way to Security. The create call carries the 2FA code.
// - The secret is in the create answer ONLY (201, Cache-Control: no-store). It is never fetched again: the page
//   keeps it in one dialog's DOM until the user ticks "I have saved it", then drops it.
// - A new key is inactive. Activation is by a code e-mailed on request (POST …/activation/), confirmed with
//   POST …/activation/confirm/. A new request voids the earlier code.
// - Editing permissions or the IP whitelist deactivates the key (the API does it; the page warns first).
// - Deleting needs a 2FA code.
import { api } from "../api.js";
import {
  badge, copyText, errorBox, field, fill, formDialog, h, loading, nextId, openDialog, pageHeader, table, time,
  twoFactorField,
} from "../ui.js";

const PERMISSIONS = [
  ["read", "Read", "Balances, orders, trades and account data. Always on."],
  ["trade", "Trade", "Place and cancel orders."],
  ["funds_internal", "Funds Internal", "Move funds between your sub-accounts."],
  ["funds_wallet", "Funds Wallet", "Move funds between your wallet and sub-accounts."],
];
const LABEL = Object.fromEntries(PERMISSIONS.map(([value, label]) => [value, label]));

export async function render(main, ctx) {
  const list = h("section", { class: "card flush", "aria-live": "polite" }, loading());
  const create = h("button", { type: "button", class: "primary", onclick: () => createKey(ctx, reload) }, "+ New API key");
  fill(main, 
    pageHeader("API keys", "Keys let your programs use the trading API with the permissions you give them.", create),
    list,
  );
  async function reload() {
    const keys = await api("GET", "/api/v1/api-keys/");
    fill(list, keys.length ? keyTable(keys, ctx, reload) : h("p", { class: "empty" }, "You have no API keys yet."));
  }
  await reload();
}

function keyTable(keys, ctx, reload) {
  const rows = keys.map((key) => {
    const act = (label, handler, cls = "small") =>
      h("button", { type: "button", class: cls, "aria-label": `${label} ${key.name}`, onclick: () => handler(key, ctx, reload) }, label);
    return h("tr", { "data-key": key.key_id },
      h("td", { "data-label": "Name" }, h("strong", {}, key.name), " ",
        key.status === "active" ? badge("Active", "ok") : badge("Inactive", "warn")),
      h("td", { "data-label": "Permissions" }, key.permissions.map((p) => LABEL[p] || p).join(", "),
        key.ip_whitelist.length ? h("div", { class: "muted small" }, `IP: ${key.ip_whitelist.join(", ")}`) : h("div", { class: "muted small" }, "Any IP address")),
      h("td", { "data-label": "Key" }, h("code", { class: "key-id" }, key.key_id), " ",
        h("button", { type: "button", class: "link small", "aria-label": `Copy the key of ${key.name}`, onclick: (e) => copyText(key.key_id, e.currentTarget) }, "Copy")),
      h("td", { "data-label": "Last update" }, time(key.updated_at),
        h("div", { class: "muted small" }, key.last_used_at ? ["Used ", time(key.last_used_at)] : "Never used")),
      h("td", { "data-label": "Actions", class: "row-actions" },
        key.actions.includes("activate") ? act("Activate", activate, "small primary") : null,
        key.actions.includes("deactivate") ? act("Deactivate", deactivate) : null,
        key.actions.includes("edit") ? act("Edit", edit) : null,
        key.actions.includes("delete") ? act("Delete", remove, "small danger-outline") : null),
    );
  });
  return table("Your API keys", ["Name", "Permissions", "Key", "Last update", "Actions"], rows, { cls: "cards" });
}

function permissionFieldset(selected) {
  const legendId = nextId("perm");
  return h("fieldset", { class: "perms", "aria-labelledby": legendId },
    h("legend", { id: legendId }, "Permissions"),
    PERMISSIONS.map(([value, label, hint]) => {
      const id = nextId("perm");
      return h("div", { class: "check" },
        h("input", { type: "checkbox", id, name: "permissions", value, checked: value === "read" || selected.includes(value), disabled: value === "read", "aria-describedby": `${id}-hint` }),
        h("div", {}, h("label", { for: id }, label), h("p", { class: "hint", id: `${id}-hint` }, hint)));
    }));
}

function whitelistField(list) {
  return field("IP whitelist (optional)",
    h("textarea", { name: "ip_whitelist", rows: "3", spellcheck: "false", placeholder: "203.0.113.7\n198.51.100.0/24" }, list.join("\n")),
    "One address or CIDR range a line, at most 30. Empty: any address.");
}

function readForm(form) {
  return {
    name: form.name.value.trim(),
    permissions: [...form.querySelectorAll("input[name=permissions]:checked")].map((box) => box.value),
    ip_whitelist: form.ip_whitelist.value.split(/[\s,]+/).map((entry) => entry.trim()).filter(Boolean),
  };
}

function needTwoFactor(ctx) {
  return openDialog("Turn on 2FA first", (close) => h("div", {},
    h("p", {}, "Creating an API key needs a code from your authenticator app, so two-factor authentication must be on. It takes a minute in Security."),
    h("div", { class: "actions end" },
      h("button", { type: "button", onclick: () => close() }, "Not now"),
      h("a", { class: "button primary", href: "/security", onclick: (event) => { event.preventDefault(); close(); ctx.navigate("/security"); } }, "Go to Security"))));
}

async function createKey(ctx, reload) {
  if (!ctx.user.two_factor_enabled) {
    await needTwoFactor(ctx);
    return;
  }
  const created = await formDialog("New API key", {
    fields: [
      field("Name", h("input", { name: "name", maxlength: "64", required: true, autocomplete: "off" }), "To tell your keys apart, e.g. “grid bot”."),
      permissionFieldset([]),
      whitelistField([]),
      twoFactorField(),
    ],
    submit: "Create key",
    send: async (form) => {
      try {
        return await api("POST", "/api/v1/api-keys/", { ...readForm(form), code: form.code.value.trim() });
      } catch (error) {
        // 2FA was turned off meanwhile (another tab): the same dialog as before, not an error on the form.
        if (error.code === "2fa_required") return { twoFactorOff: true };
        throw error;
      }
    },
  });
  if (!created) return;
  if (created.twoFactorOff) {
    await ctx.refreshUser();
    await needTwoFactor(ctx);
    return;
  }
  await reload();
  await showSecret(created);
}

function showSecret(key) {
  return openDialog("Save your API secret", (close) => {
    const saved = h("input", { type: "checkbox", id: "secret-saved" });
    const done = h("button", { type: "button", class: "primary", disabled: true, onclick: () => close() }, "Close");
    saved.addEventListener("change", () => (done.disabled = !saved.checked));
    const secret = h("input", { readonly: true, value: key.secret, class: "mono", name: "secret", spellcheck: "false" });
    return h("div", {},
      h("p", { class: "alert warn" }, "This is the only time the secret is shown. Copy it now and keep it safe; if you lose it, delete the key and create a new one."),
      field("Key", h("input", { readonly: true, value: key.key_id, class: "mono", name: "key" })),
      field("Secret", secret),
      h("div", { class: "actions" }, h("button", { type: "button", onclick: (event) => copyText(key.secret, event.currentTarget) }, "Copy secret")),
      h("p", {}, `The key is inactive until you activate it with a code we e-mail you (“Activate” in the list).`),
      h("p", { class: "tick" }, saved, h("label", { for: "secret-saved" }, "I have saved it")),
      h("div", { class: "actions end" }, done));
  }, { dismissable: false });
}

async function activate(key, ctx, reload) {
  const requestCode = () => api("POST", `/api/v1/api-keys/${key.key_id}/activation/`);
  const sent = h("div", { role: "status" });
  try {
    await requestCode();
    sent.textContent = `We e-mailed an activation code to ${ctx.user.email}. It works for 10 minutes.`;
  } catch (error) {
    fill(sent, errorBox(error));
  }
  const resend = h("button", {
    type: "button",
    class: "link",
    onclick: async () => {
      resend.disabled = true;
      try {
        await requestCode();
        sent.textContent = `We sent a new code to ${ctx.user.email}; the earlier one no longer works.`;
      } catch (error) {
        fill(sent, errorBox(error));
      } finally {
        resend.disabled = false;
      }
    },
  }, "Send a new code");
  const done = await formDialog(`Activate “${key.name}”`, {
    fields: [
      sent,
      field("Activation code", h("input", { name: "code", autocomplete: "one-time-code", inputmode: "numeric", maxlength: "32", required: true }), "The 8-digit code from the e-mail."),
    ],
    extraActions: [resend],
    submit: "Activate",
    send: (form) => api("POST", `/api/v1/api-keys/${key.key_id}/activation/confirm/`, { code: form.code.value.trim() }),
  });
  if (done) await reload();
}

async function deactivate(key, ctx, reload) {
  const done = await formDialog(`Deactivate “${key.name}”?`, {
    fields: h("p", {}, "Calls with this key are refused from now on. You can activate it again with a code we e-mail you."),
    submit: "Deactivate",
    send: () => api("POST", `/api/v1/api-keys/${key.key_id}/deactivate/`),
  });
  if (done) await reload();
}

async function edit(key, ctx, reload) {
  const done = await formDialog(`Edit “${key.name}”`, {
    fields: [
      h("p", { class: "alert warn" }, "Changing the permissions or the IP whitelist deactivates the key at once. You then activate it again with a code we e-mail you. Renaming alone keeps it as it is."),
      field("Name", h("input", { name: "name", maxlength: "64", required: true, value: key.name, autocomplete: "off" })),
      permissionFieldset(key.permissions),
      whitelistField(key.ip_whitelist),
    ],
    submit: "Save changes",
    send: (form) => api("PATCH", `/api/v1/api-keys/${key.key_id}/`, readForm(form)),
  });
  if (done) await reload();
}

async function remove(key, ctx, reload) {
  const done = await formDialog(`Delete “${key.name}”?`, {
    fields: [
      h("p", {}, "The key stops working at once and cannot be brought back. Programs using it will be refused."),
      twoFactorField(),
    ],
    submit: "Delete key",
    danger: true,
    send: (form) => api("POST", `/api/v1/api-keys/${key.key_id}/delete/`, { code: form.code.value.trim() }),
  });
  if (done) await reload();
}
