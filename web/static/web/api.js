// The one door to the JSON API. Every page goes through `api()` (our envelope) or `allauth()` (the self-service
// endpoints django-allauth serves), so CSRF and error handling live here and nowhere else.
//
// The contract, as a frontend team needs it:
// - Session cookie + CSRF. Django keeps the token in the `csrftoken` cookie (the page shell sets it) and wants it
//   back in `X-CSRFToken` on every POST/PATCH/DELETE. Login ROTATES the token, so read the cookie at each call;
//   never cache it in a variable at start-up.
// - Errors in our envelope: {"error": {"code", "message", "details"}, "request_id"}. `code` is stable (switch on
//   it), `message` is a sentence for people, `details` names fields (validation: {"field": ["problem"]}).
// - allauth's endpoints answer {"status", "errors": [{"code", "message", "param"}]} on errors, and a 401 with
//   {"data": {"flows": [...]}} for "done, now log in" (sign-up, verify e-mail, password reset never log in).

const JSON_TYPE = "application/json";

export class ApiError extends Error {
  constructor({ status, code, message, details = {}, requestId = null }) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function send(method, url, body) {
  const headers = { Accept: JSON_TYPE };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = JSON_TYPE;
  try {
    return await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError({
      status: 0,
      code: "network",
      message: "Cannot reach the server. Check your connection and try again.",
    });
  }
}

async function readJson(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("json")) {
    // A proxy's HTML error page, a gateway timeout: never show it raw.
    throw new ApiError({
      status: response.status,
      code: "unexpected_response",
      message: `The server answered unexpectedly (HTTP ${response.status}). Try again in a moment.`,
    });
  }
  return response.json();
}

/** Call one of our endpoints. Resolves with the parsed body (null for 204), rejects with an ApiError. */
export async function api(method, path, body) {
  const response = await send(method, path, body);
  const data = await readJson(response);
  if (response.ok) return data;
  const error = data && data.error ? data.error : {};
  throw new ApiError({
    status: response.status,
    code: error.code || "error",
    message: error.message || `Request failed (HTTP ${response.status}).`,
    details: error.details || {},
    requestId: data && data.request_id,
  });
}

/**
 * Call one of allauth's endpoints. Resolves with {status, data} when the flow moved on, including allauth's
 * 401 "now log in" answer; rejects with an ApiError whose `details` maps each `param` to its messages.
 */
export async function allauth(path, body) {
  const response = await send("POST", path, body);
  const data = await readJson(response);
  if (response.ok || (response.status === 401 && data && data.data && data.data.flows)) {
    return { status: response.status, data: data && data.data };
  }
  if (data && data.error) {
    // Our own envelope: CSRF refusals and the 403 of a closed sign-up come from Django/DRF, not from allauth.
    throw new ApiError({ status: response.status, ...data.error, requestId: data.request_id });
  }
  const errors = (data && data.errors) || [];
  const details = {};
  for (const problem of errors) {
    const field = problem.param || "non_field_errors";
    (details[field] ||= []).push(problem.message);
  }
  throw new ApiError({
    status: response.status,
    code: (errors[0] && errors[0].code) || (response.status === 429 ? "too_many_requests" : "error"),
    message:
      errors.map((problem) => problem.message).join(" ") ||
      (response.status === 429
        ? "Too many attempts from this address. Wait a while and try again."
        : `Request failed (HTTP ${response.status}).`),
    details,
  });
}

/** Follow a `next` link from a keyset page. It is absolute (our own origin); fetch its path only. */
export function nextPath(next) {
  const url = new URL(next, window.location.origin);
  return url.pathname + url.search;
}
