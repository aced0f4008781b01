// Account activities: period and type filters, keyset pages ("Load more" follows the API's `next` link, which
// carries an opaque cursor: never build one), and the CSV export of exactly the same filters.
import { api, nextPath } from "../api.js";
import { badge, errorBox, fill, h, loading, pageHeader, table, time } from "../ui.js";

// The action types (activities.models.ActivityType), grouped for the filter.
const TYPES = {
  "Log-in and security": {
    "auth.login": "Logged in", "auth.login_failed": "Login failed", "auth.logout": "Logged out",
    "auth.signed_up": "Signed up", "auth.email_verified": "E-mail address verified",
    "auth.password_reset_requested": "Password reset requested", "auth.password_reset": "Password reset",
    "auth.password_changed": "Password changed", "auth.session_ended": "Session ended",
    "2fa.enabled": "2FA enabled", "2fa.disabled": "2FA disabled", "2fa.failed": "2FA code rejected",
    "2fa.recovery_codes_generated": "2FA recovery codes generated", "2fa.recovery_code_used": "2FA recovery code used",
    "profile.updated": "Profile changed", "profile.level_changed": "Verification level changed",
  },
  "API keys": {
    "apikey.created": "API key created", "apikey.activation_requested": "API key activation requested",
    "apikey.activated": "API key activated", "apikey.deactivated": "API key deactivated",
    "apikey.updated": "API key edited", "apikey.deleted": "API key deleted",
    "apikey.code_failed": "API key confirmation code rejected",
  },
  "Trading API": { "gateway.call": "Trading API call", "gateway.refused": "Trading API call refused" },
  Funds: {
    "account.created": "Sub-account created", "transfer.internal": "Transfer between sub-accounts",
    "transfer.from_wallet": "Deposit from wallet", "transfer.to_wallet": "Withdrawal to wallet",
    "wallet.credited": "Wallet credited", "deposit_address.issued": "Deposit address issued",
  },
  Orders: {
    "order.placed": "Order placed", "order.rejected": "Order rejected", "order.cancelled": "Order cancelled",
    "order.filled": "Order filled", "order.expired": "Order expired",
  },
  Other: { "conditions.pair_changed": "Trading conditions changed" },
};
const LABELS = Object.assign({}, ...Object.values(TYPES));
const PERIODS = [["24h", "Last 24 hours"], ["7d", "Last 7 days"], ["30d", "Last 30 days"], ["90d", "Last 90 days"], ["", "All time"]];
const SOURCES = { web: "Web", gateway: "Trading API", admin: "Support", operator: "Operator", system: "System" };

function value(item) {
  if (Array.isArray(item)) return item.length ? item.join(", ") : "none";
  if (typeof item === "boolean") return item ? "yes" : "no";
  if (typeof item === "object") return JSON.stringify(item);
  return String(item);
}

/** Details are whitelisted fields (never a secret or a code); empty ones are left out. */
function detailsText(details) {
  return Object.entries(details || {})
    .filter(([, item]) => item !== null && item !== "" && item !== undefined)
    .map(([key, item]) => `${key.replace(/_/g, " ")}: ${value(item)}`)
    .join(" · ");
}

function row(activity) {
  return h("tr", { "data-action": activity.action },
    h("td", { "data-label": "Time" }, time(activity.created_at)),
    h("td", { "data-label": "Action" }, LABELS[activity.action] || activity.action, " ",
      activity.outcome === "ok" ? null : badge(activity.outcome === "refused" ? "refused" : "failed", "warn"),
      h("div", { class: "muted small" }, SOURCES[activity.source] || activity.source)),
    h("td", { "data-label": "Details", class: "details" }, detailsText(activity.details) || h("span", { class: "muted" }, "—")),
    h("td", { "data-label": "IP" }, activity.ip || h("span", { class: "muted" }, "—")),
    h("td", { "data-label": "API key" }, activity.api_key ? h("code", {}, activity.api_key) : h("span", { class: "muted" }, "—")));
}

export async function render(main, ctx) {
  const period = h("select", { id: "f-period", name: "period" }, PERIODS.map(([value, label]) => h("option", { value }, label)));
  period.value = ctx.query.get("period") ?? "30d";
  const action = h("select", { id: "f-action", name: "action" },
    h("option", { value: "" }, "All actions"),
    Object.entries(TYPES).map(([group, types]) => h("optgroup", { label: group }, Object.entries(types).map(([value, label]) => h("option", { value }, label)))));
  action.value = ctx.query.get("action") || "";
  const csv = h("a", { class: "button", id: "csv", download: "activities.csv" }, "Download CSV");
  const filters = h("form", { class: "toolbar filters", role: "search", "aria-label": "Filter activities" },
    h("div", { class: "field inline" }, h("label", { for: "f-period" }, "Period"), period),
    h("div", { class: "field inline" }, h("label", { for: "f-action" }, "Action"), action),
    csv);
  const body = h("tbody", {});
  const status = h("p", { class: "muted small", role: "status", "aria-live": "polite" });
  const more = h("button", { type: "button", hidden: true }, "Load more");
  const holder = h("section", { class: "card flush" });
  fill(main, pageHeader("Account activities", "Everything done on your account: logins, security changes, API keys and trading API calls."),
    filters, holder, h("div", { class: "pager" }, status, more));

  let next = null;
  let shown = 0;

  function query() {
    const params = new URLSearchParams();
    if (period.value) params.set("period", period.value);
    if (action.value) params.set("action", action.value);
    return params;
  }

  // Filters can change while a page is on its way: only the answer to the latest request is shown, so an
  // older, slower answer (other filters) can neither replace the table nor leave its cursor behind.
  let generation = 0;

  async function load(path, reset) {
    const mine = reset ? ++generation : generation;
    more.disabled = true;
    more.setAttribute("aria-busy", "true");
    if (reset) fill(holder, loading());
    try {
      const page = await api("GET", path);
      if (mine !== generation) return;
      if (reset) {
        body.replaceChildren();
        shown = 0;
        fill(holder, page.results.length
          ? table("Activities", ["Time", "Action", "Details", "IP", "API key"], [], { cls: "cards" })
          : h("p", { class: "empty" }, "No activity matches these filters."));
        holder.querySelector("table")?.replaceChild(body, holder.querySelector("tbody"));
      }
      body.append(...page.results.map(row));
      shown += page.results.length;
      next = page.next;
      more.hidden = !next;
      status.textContent = shown ? `${shown} shown${next ? "" : " — that is all"}` : "";
    } catch (error) {
      if (mine === generation) holder.append(errorBox(error));
    } finally {
      if (mine === generation) {
        more.disabled = false;
        more.removeAttribute("aria-busy");
      }
    }
  }

  function apply() {
    const params = query();
    // The CSV link carries the same filters as the table; the browser downloads it with the session cookie.
    csv.href = `/api/v1/activities/export.csv?${params}`;
    history.replaceState(null, "", `/activities${params.toString() ? `?${params}` : ""}`);
    params.set("page_size", "50");
    return load(`/api/v1/activities/?${params}`, true);
  }

  period.addEventListener("change", apply);
  action.addEventListener("change", apply);
  filters.addEventListener("submit", (event) => event.preventDefault());
  more.addEventListener("click", () => next && load(nextPath(next), false));
  await apply();
}
