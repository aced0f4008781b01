// Profile: who I am, my level and what it allows. Name and country can be changed until the identity is
// verified (the API answers 409 profile_locked after that; the form is not offered then).
import { api } from "../api.js";
import { countryName, countrySelect } from "../countries.js";
import { badge, field, fill, h, pageHeader, submitting, time } from "../ui.js";

const LEVELS = { none: "Not verified", basic: "Basic", verified: "Verified", advanced: "Advanced" };
const CAPABILITIES = {
  trade: "Place orders",
  transfer_internal: "Move funds between sub-accounts",
  transfer_wallet: "Move funds between the wallet and sub-accounts",
};

export async function render(main, ctx, { saved = false } = {}) {
  const user = await api("GET", "/api/v1/profile/");
  const editable = user.verification_level === "none";
  const row = (label, value) => h("div", { class: "row" }, h("dt", {}, label), h("dd", {}, value));
  const details = h(
    "dl",
    { class: "facts" },
    row("Full name", user.full_name || h("span", { class: "muted" }, "not set")),
    row("User ID", h("code", {}, user.public_id)),
    row("E-mail", h("span", {}, user.email, " ", user.email_verified ? badge("confirmed", "ok") : badge("unconfirmed", "warn"))),
    row("Country of residence", countryName(user.country) || h("span", { class: "muted" }, "not set")),
    row("Verification level", h("span", {}, LEVELS[user.verification_level] || user.verification_level)),
    row("Two-factor authentication", user.two_factor_enabled ? badge("on", "ok") : h("span", {}, badge("off", "warn"), " ", h("a", { href: "/security", "data-link": "" }, "Set it up"))),
    row("Member since", time(user.date_joined)),
  );
  const allowed = h(
    "ul",
    { class: "checks" },
    Object.entries(CAPABILITIES).map(([key, label]) =>
      h("li", { class: user.allowed[key] ? "yes" : "no" }, h("span", { class: "visually-hidden" }, user.allowed[key] ? "Allowed: " : "Not allowed: "), label),
    ),
  );
  fill(main, 
    pageHeader("Profile", "Your account's identity and what its verification level allows."),
    h("section", { class: "card" }, h("h2", {}, "Account"), details),
    h("section", { class: "card" }, h("h2", {}, "Your level allows"), allowed,
      user.verification_level === "advanced" ? null : h("p", { class: "muted small" }, "Higher levels come with identity verification; support raises your level once it is done.")),
    editable ? editForm(main, user, ctx, saved) : h("section", { class: "card" }, h("h2", {}, "Change your details"),
      h("p", { class: "muted" }, "Your identity is verified, so your name and country are locked. Contact support to change them.")),
  );
}

function editForm(main, user, ctx, saved) {
  const status = h("p", { class: "notice", role: "status", hidden: !saved }, saved ? "Saved." : "");
  const form = h(
    "form",
    { class: "card", novalidate: true },
    h("h2", {}, "Change your details"),
    h("p", { class: "muted small" }, "You can change these until your identity is verified."),
    h("div", { class: "grid2" },
      field("Full name", h("input", { name: "full_name", value: user.full_name, maxlength: "150", autocomplete: "name" })),
      field("Country of residence", countrySelect("country", user.country || ""))),
    status,
    h("button", { type: "submit", class: "primary" }, "Save"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.hidden = true;
    const done = await submitting(form, () =>
      api("PATCH", "/api/v1/profile/", { full_name: form.full_name.value.trim(), country: form.country.value }),
    );
    if (!done) return;
    await ctx.refreshUser();
    await render(main, ctx, { saved: true });
  });
  return form;
}
