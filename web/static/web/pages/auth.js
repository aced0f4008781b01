// Log in (with the 2FA step), sign up, confirm the e-mail from the link, and reset a forgotten password.
import { allauth, api } from "../api.js";
import { countrySelect } from "../countries.js";
import { errorBox, field, fill, h, loading, submitting, twoFactorField } from "../ui.js";

const VIEWS = { login, signup, verify, "reset-request": resetRequest, reset };

export function render(main, ctx) {
  return VIEWS[ctx.view](main, ctx);
}

function card(title, ...children) {
  return h("section", { class: "auth-card" }, h("h1", {}, title), ...children);
}

function safeNext(next) {
  // Only our own paths: a crafted ?next=https://evil.example must not send a fresh session elsewhere.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/profile";
}

function login(main, ctx) {
  const codeField = twoFactorField();
  const code = codeField.querySelector("input");
  code.required = false;
  codeField.hidden = true;
  const form = h(
    "form",
    { novalidate: true },
    field("E-mail", h("input", { name: "email", type: "email", autocomplete: "username", required: true })),
    field("Password", h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    codeField,
    h("button", { type: "submit", class: "primary wide" }, "Log in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { email: form.email.value.trim(), password: form.password.value };
    if (!codeField.hidden) body.code = code.value.trim();
    const user = await submitting(form, async () => {
      try {
        return await api("POST", "/api/v1/auth/login/", body);
      } catch (error) {
        // 2FA is on: the password was right, the same endpoint now wants `code` too (details.field = "code").
        if (error.code === "2fa_required" && error.details.field === "code" && codeField.hidden) {
          codeField.hidden = false;
          codeField.before(h("p", { class: "notice", role: "status" }, "Your account uses two-factor authentication."));
          code.focus();
          return null;
        }
        throw error;
      }
    });
    if (!user) return;
    // The session cookie is set and the CSRF token rotated (api.js reads the new one from the cookie).
    await ctx.refreshUser();
    ctx.navigate(safeNext(ctx.query.get("next")), { replace: true });
  });
  fill(main, 
    card(
      "Log in",
      ctx.query.get("reset") ? h("p", { class: "notice", role: "status" }, "Your password is set. Log in with it.") : null,
      form,
      h("p", { class: "links" },
        h("a", { href: "/password-reset", "data-link": "" }, "Forgot your password?"), " · ",
        h("a", { href: "/signup", "data-link": "" }, "Create an account")),
    ),
  );
}

function signup(main, ctx) {
  const form = h(
    "form",
    { novalidate: true },
    field("Full name", h("input", { name: "full_name", autocomplete: "name", maxlength: "150" })),
    field("E-mail", h("input", { name: "email", type: "email", autocomplete: "email", required: true })),
    field("Password", h("input", { name: "password", type: "password", autocomplete: "new-password", required: true }),
      "At least 8 characters; not only digits, not a common password."),
    field("Country of residence", countrySelect("country", "")),
    h("button", { type: "submit", class: "primary wide" }, "Create account"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      email: form.email.value.trim(),
      password: form.password.value,
      full_name: form.full_name.value.trim(),
      country: form.country.value,
    };
    const done = await submitting(form, () => allauth("/api/v1/auth/signup", body));
    if (!done) return;
    // allauth answers 401 "verification pending" both for a new address and one already in use (no
    // enumeration): the owner of the address gets an e-mail either way.
    fill(main, 
      card(
        "Check your inbox",
        h("p", { role: "status" }, `We sent a confirmation link to ${body.email}. Open it to confirm your address, then log in.`),
        h("p", { class: "links" }, h("a", { href: "/login", "data-link": "" }, "Go to log in")),
      ),
    );
  });
  fill(main, 
    card("Create your account", form, h("p", { class: "links" }, "Already have one? ", h("a", { href: "/login", "data-link": "" }, "Log in"))),
  );
}

async function verify(main, ctx) {
  fill(main, card("Confirming your e-mail", loading("Confirming your address…")));
  try {
    // The key in the link is URL-encoded (it holds ':'); allauth wants it as it was issued.
    await allauth("/api/v1/auth/email/verify", { key: decodeURIComponent(ctx.params.key) });
    fill(main, 
      card(
        "E-mail confirmed",
        h("p", { role: "status" }, "Your address is confirmed. You can log in now."),
        h("p", {}, h("a", { class: "button primary", href: "/login", "data-link": "" }, "Log in")),
      ),
    );
  } catch (error) {
    const invalid = error.status === 400 || error.status === 404 || error.status === 409;
    fill(main, 
      card(
        "This link did not work",
        invalid
          ? h("p", { role: "alert" }, "The confirmation link is invalid, already used or expired. Log in with your password: if your address is still unconfirmed, we send a fresh link.")
          : errorBox(error),
        h("p", {}, h("a", { class: "button", href: "/login", "data-link": "" }, "Go to log in")),
      ),
    );
  }
}

function resetRequest(main) {
  const form = h(
    "form",
    { novalidate: true },
    field("E-mail", h("input", { name: "email", type: "email", autocomplete: "email", required: true })),
    h("button", { type: "submit", class: "primary wide" }, "Send reset link"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = form.email.value.trim();
    const done = await submitting(form, () => allauth("/api/v1/auth/password/request", { email }));
    if (!done) return;
    fill(main, 
      card("Check your inbox", h("p", { role: "status" }, `If an account uses ${email}, we sent it a link to set a new password. The link works once, for one hour.`)),
    );
  });
  fill(main, card("Reset your password", h("p", { class: "muted" }, "We e-mail you a link to set a new one."), form));
}

function reset(main, ctx) {
  const form = h(
    "form",
    { novalidate: true },
    field("New password", h("input", { name: "password", type: "password", autocomplete: "new-password", required: true })),
    field("Repeat the new password", h("input", { name: "password2", type: "password", autocomplete: "new-password", required: true })),
    h("button", { type: "submit", class: "primary wide" }, "Set password"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const done = await submitting(form, async () => {
      if (form.password.value !== form.password2.value) {
        throw { message: "The two passwords differ.", details: { password2: ["Type the same password twice."] } };
      }
      return allauth("/api/v1/auth/password/reset", { key: decodeURIComponent(ctx.params.key), password: form.password.value });
    });
    if (done) ctx.navigate("/login?reset=1", { replace: true });
  });
  fill(main, card("Set a new password", h("p", { class: "muted" }, "Every session of your account ends when the password changes."), form));
}
