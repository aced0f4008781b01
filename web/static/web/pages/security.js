// Security: two-factor authentication (enrol with the QR code, confirm with a code), recovery codes (shown once),
// password change and sessions.
import { api } from "../api.js";
import {
  badge, copyText, downloadText, errorBox, field, fill, formDialog, h, loading, openDialog, pageHeader, submitting,
  table, time, twoFactorField,
} from "../ui.js";

export async function render(main, ctx) {
  const [twoFactor, recovery, sessions] = [h("section", { class: "card" }), h("section", { class: "card" }), h("section", { class: "card" })];
  const password = passwordCard(ctx);
  fill(main, 
    pageHeader("Security", "Two-factor authentication, recovery codes, your password and where you are logged in."),
    twoFactor, recovery, password, sessions,
  );
  const refresh = async () => {
    const status = await api("GET", "/api/v1/profile/2fa/");
    renderTwoFactor(twoFactor, status, ctx, refresh);
    await renderRecovery(recovery, status, refresh);
    password.querySelector("[data-field=code]").hidden = !status.enabled;
  };
  await Promise.all([refresh(), renderSessions(sessions, ctx)]);
}

function codeInput() {
  return h("input", { name: "code", autocomplete: "one-time-code", inputmode: "numeric", maxlength: "32", spellcheck: "false", required: true });
}

/** The secret inside an otpauth:// URI, grouped by four for typing it into an app by hand. */
function secretOf(uri) {
  const secret = new URL(uri).searchParams.get("secret") || "";
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

function renderTwoFactor(card, status, ctx, refresh) {
  fill(card, h("h2", {}, "Two-factor authentication ", status.enabled ? badge("on", "ok") : badge("off", "warn")));
  if (status.enabled) {
    card.append(
      h("p", {}, "Logging in, changing your password and creating or deleting API keys ask for a code from your authenticator app."),
      h("button", { type: "button", class: "danger-outline", onclick: () => disableDialog(ctx, refresh) }, "Turn off 2FA"),
    );
    return;
  }
  const start = h("button", { type: "button", class: "primary" }, status.pending_enrolment ? "Restart setup" : "Set up 2FA");
  const area = h("div", {});
  card.append(
    h("p", {}, "Protect your account with an authenticator app (Google Authenticator, Aegis, 1Password…). API keys can only be created with 2FA on."),
    start, area,
  );
  start.addEventListener("click", async () => {
    start.disabled = true;
    fill(area, loading("Preparing your QR code…"));
    try {
      const enrolment = await api("POST", "/api/v1/profile/2fa/enrol/");
      start.hidden = true;
      fill(area, enrolForm(enrolment, ctx, refresh));
      area.querySelector("input").focus();
    } catch (error) {
      fill(area, errorBox(error));
    } finally {
      start.disabled = false;
    }
  });
}

function enrolForm(enrolment, ctx, refresh) {
  // The QR code is an SVG the API renders; shown as an image (never injected as markup).
  const qr = h("img", {
    class: "qr",
    alt: "QR code to scan with your authenticator app",
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qr_svg)}`,
    width: "200",
    height: "200",
  });
  const form = h(
    "form",
    { class: "enrol", novalidate: true },
    h("ol", { class: "steps" },
      h("li", {}, "Scan the QR code with your authenticator app."),
      h("li", {}, "Or type this key into it: ", h("code", { class: "secret", "data-testid": "totp-secret" }, secretOf(enrolment.otpauth_uri))),
      h("li", {}, "Enter the 6-digit code the app shows.")),
    field("Code from the app", codeInput()),
    h("button", { type: "submit", class: "primary" }, "Turn on 2FA"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const done = await submitting(form, () => api("POST", "/api/v1/profile/2fa/confirm/", { code: form.code.value.trim() }));
    if (!done) return;
    await ctx.refreshUser();
    await refresh();
    // The recovery codes come in this answer only: show them now, with copy and download.
    await showRecoveryCodes(done.recovery_codes);
  });
  return h("div", { class: "enrol-wrap" }, qr, form);
}

function showRecoveryCodes(codes) {
  const text = `${codes.join("\n")}\n`;
  return openDialog("Save your recovery codes", (close) => {
    const saved = h("input", { type: "checkbox", id: "codes-saved" });
    const done = h("button", { type: "button", class: "primary", disabled: true, onclick: () => close(true) }, "Done");
    saved.addEventListener("change", () => (done.disabled = !saved.checked));
    const copy = h("button", { type: "button", onclick: (event) => copyText(text, event.currentTarget) }, "Copy");
    return h(
      "div",
      {},
      h("p", {}, "Each code works once in place of an authenticator code, if you lose your phone. They are shown only now: keep them somewhere safe and offline."),
      h("ol", { class: "codes", "aria-label": "Recovery codes" }, codes.map((code) => h("li", {}, h("code", {}, code)))),
      h("div", { class: "actions" }, copy, h("button", { type: "button", onclick: () => downloadText("recovery-codes.txt", text) }, "Download")),
      h("p", { class: "tick" }, saved, h("label", { for: "codes-saved" }, "I have saved my recovery codes")),
      h("div", { class: "actions end" }, done),
    );
  }, { dismissable: false });
}

function codeDialog(title, intro, submit, call, { danger = false } = {}) {
  return formDialog(title, {
    fields: [h("p", {}, intro), twoFactorField()],
    submit,
    danger,
    send: (form) => call(form.code.value.trim()),
  });
}

async function disableDialog(ctx, refresh) {
  const done = await codeDialog(
    "Turn off 2FA",
    "Without 2FA a stolen password is enough to enter your account. Your recovery codes are deleted too.",
    "Turn off",
    (code) => api("POST", "/api/v1/profile/2fa/disable/", { code }),
    { danger: true },
  );
  if (done) {
    await ctx.refreshUser();
    await refresh();
  }
}

async function renderRecovery(card, status, refresh) {
  fill(card, h("h2", {}, "Recovery codes"));
  if (!status.enabled) {
    card.append(h("p", { class: "muted" }, "You get 10 one-time recovery codes when you turn on 2FA."));
    return;
  }
  const { left } = await api("GET", "/api/v1/profile/2fa/recovery-codes/");
  card.append(
    h("p", {}, h("strong", { "data-testid": "codes-left" }, String(left)), ` unused recovery code${left === 1 ? "" : "s"} left.`,
      left <= 3 ? " Generate new ones before you run out." : ""),
    h("button", {
      type: "button",
      onclick: async () => {
        const answer = await codeDialog(
          "New recovery codes",
          "Your current recovery codes stop working, and you get 10 new ones.",
          "Generate",
          (code) => api("POST", "/api/v1/profile/2fa/recovery-codes/", { code }),
        );
        if (answer && answer.recovery_codes) {
          await showRecoveryCodes(answer.recovery_codes);
          await refresh();
        }
      },
    }, "Generate new codes"),
  );
}

function passwordCard(ctx) {
  const status = h("p", { class: "notice", role: "status", hidden: true });
  const code = twoFactorField();
  code.hidden = !ctx.user.two_factor_enabled;
  code.querySelector("input").required = false;
  const form = h(
    "form",
    { class: "card", novalidate: true, "aria-labelledby": "pw-title" },
    h("h2", { id: "pw-title" }, "Password"),
    h("input", { type: "email", name: "username", autocomplete: "username", value: ctx.user.email, hidden: true, "aria-hidden": "true", tabindex: "-1" }),
    h("div", { class: "grid2" },
      field("Current password", h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true })),
      field("New password", h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true }), "At least 8 characters; not only digits, not a common password."),
      code),
    status,
    h("button", { type: "submit", class: "primary" }, "Change password"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.hidden = true;
    const body = { current_password: form.current_password.value, new_password: form.new_password.value };
    if (!code.hidden) body.code = form.code.value.trim();
    const done = await submitting(form, () => api("POST", "/api/v1/auth/password/change/", body));
    if (done === undefined) return;
    form.reset();
    status.hidden = false;
    status.textContent = "Password changed. Every other session of yours was ended.";
    renderSessions(document.querySelector("[data-sessions]"), ctx);
  });
  return form;
}

/** A short, readable device name from a user agent string. */
function device(agent) {
  if (!agent) return "Unknown device";
  const browser = /Edg\//.test(agent) ? "Edge" : /Chrome\//.test(agent) ? "Chrome" : /Firefox\//.test(agent) ? "Firefox"
    : /Safari\//.test(agent) ? "Safari" : /curl|python|requests/i.test(agent) ? "Script" : "Browser";
  const os = /Windows/.test(agent) ? "Windows" : /Android/.test(agent) ? "Android" : /iPhone|iPad/.test(agent) ? "iOS"
    : /Mac OS X/.test(agent) ? "macOS" : /Linux/.test(agent) ? "Linux" : "";
  return os ? `${browser} on ${os}` : browser;
}

async function renderSessions(card, ctx) {
  card.setAttribute("data-sessions", "");
  fill(card, h("h2", {}, "Sessions"), loading());
  const sessions = await api("GET", "/api/v1/auth/sessions/");
  const rows = sessions.map((session) =>
    h("tr", {},
      h("td", { "data-label": "Device" }, h("span", { title: session.user_agent }, device(session.user_agent)), session.is_current ? [" ", badge("this browser", "ok")] : null),
      h("td", { "data-label": "IP address" }, session.ip),
      h("td", { "data-label": "Started" }, time(session.created_at)),
      h("td", { "data-label": "Last seen" }, time(session.last_seen_at)),
      h("td", { "data-label": "Actions" }, h("button", {
        type: "button",
        class: "small",
        "aria-label": `End session: ${device(session.user_agent)}, ${session.ip}${session.is_current ? " (this browser: logs you out)" : ""}`,
        onclick: async (event) => {
          event.currentTarget.disabled = true;
          try {
            await api("POST", `/api/v1/auth/sessions/${session.id}/end/`);
          } catch (error) {
            card.append(errorBox(error));
            return;
          }
          if (session.is_current) {
            await ctx.refreshUser();
            ctx.navigate("/login", { replace: true });
          } else {
            renderSessions(card, ctx);
          }
        },
      }, "End")),
    ),
  );
  const others = sessions.filter((session) => !session.is_current).length;
  fill(card, 
    h("h2", {}, "Sessions"),
    h("p", { class: "muted" }, "Where your account is logged in. End any you do not recognise, then change your password."),
    table("Sessions", ["Device", "IP address", "Started", "Last seen", "Actions"], rows, { cls: "cards" }),
    others ? h("button", {
      type: "button",
      onclick: async (event) => {
        event.currentTarget.disabled = true;
        try {
          await api("POST", "/api/v1/auth/sessions/end-others/");
          renderSessions(card, ctx);
        } catch (error) {
          card.append(errorBox(error));
        }
      },
    }, `End all other sessions (${others})`) : null,
  );
}
