// The app shell: who is logged in, which section to show, and the links between them. Each section is a module
// under pages/ exporting `render(main, ctx)`; ctx gives it the user and a way to navigate.
import { ApiError, api } from "./api.js";
import { errorBox, fill, h, loading } from "./ui.js";

// path -> [module, needs a session, title]. web/urls.py serves the shell at the same paths.
const ROUTES = [
  [/^\/(profile)?$/, "./pages/profile.js", true, "Profile"],
  [/^\/security$/, "./pages/security.js", true, "Security"],
  [/^\/api-keys$/, "./pages/apikeys.js", true, "API keys"],
  [/^\/trading-conditions$/, "./pages/conditions.js", true, "Trading conditions"],
  [/^\/fees$/, "./pages/fees.js", true, "Fee schedule"],
  [/^\/activities$/, "./pages/activities.js", true, "Account activities"],
  [/^\/login$/, "./pages/auth.js#login", false, "Log in"],
  [/^\/(signup|account\/signup)$/, "./pages/auth.js#signup", false, "Sign up"],
  [/^\/(password-reset|account\/password\/reset)$/, "./pages/auth.js#reset-request", false, "Reset password"],
  [/^\/account\/password\/reset\/(?<key>[^/]+)$/, "./pages/auth.js#reset", false, "Set a new password"],
  [/^\/account\/verify-email\/(?<key>[^/]+)$/, "./pages/auth.js#verify", false, "Confirm e-mail"],
];

const main = document.getElementById("main");
const state = { user: null };

async function loadUser() {
  try {
    state.user = await api("GET", "/api/v1/profile/");
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 403 && error.status !== 401)) throw error;
    state.user = null; // not logged in: anonymous requests get 403 not_authenticated
  }
  return state.user;
}

function showChrome() {
  const loggedIn = Boolean(state.user);
  document.getElementById("nav").hidden = !loggedIn;
  document.getElementById("who").hidden = !loggedIn;
  document.getElementById("who-email").textContent = loggedIn ? state.user.email : "";
  for (const link of document.querySelectorAll("#nav a")) {
    const here = link.pathname === location.pathname || (link.pathname === "/profile" && location.pathname === "/");
    if (here) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  return route();
}

let rendering = 0;

async function route() {
  const ticket = ++rendering;
  const path = location.pathname.replace(/(.)\/$/, "$1");
  const match = ROUTES.find(([pattern]) => pattern.test(path));
  if (!match) {
    fill(main, h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "/", "data-link": "" }, "Go to your profile")));
    return;
  }
  const [pattern, spec, needsSession, title] = match;
  document.title = `${title} · Exchange`;
  if (needsSession && !state.user) {
    const next = location.pathname + location.search;
    return navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
  }
  if (path === "/login" && state.user) return navigate("/profile", { replace: true });
  showChrome();
  fill(main, loading());
  const [file, view] = spec.split("#");
  const ctx = {
    user: state.user,
    params: pattern.exec(path).groups || {},
    query: new URLSearchParams(location.search),
    view,
    navigate,
    // After a change the profile shows (2FA on, name edited, logged in), refresh the shell's idea of the user.
    refreshUser: async () => {
      await loadUser();
      ctx.user = state.user;
      showChrome();
      return state.user;
    },
    stale: () => ticket !== rendering,
  };
  try {
    const page = await import(file);
    if (ticket !== rendering) return;
    await page.render(main, ctx);
  } catch (error) {
    if (ticket !== rendering) return;
    if (error instanceof ApiError && error.code === "not_authenticated") {
      state.user = null;
      return navigate(`/login?next=${encodeURIComponent(location.pathname)}`, { replace: true });
    }
    fill(main, h("h1", {}, title), errorBox(error));
  }
  main.focus({ preventScroll: true });
}

// In-app links (data-link) change the section without a reload; the browser's back button works too.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (!link || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
window.addEventListener("popstate", route);

document.getElementById("logout").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    await api("POST", "/api/v1/auth/logout/");
  } catch (error) {
    // Already logged out (session ended elsewhere) is fine; anything else is shown.
    if (!(error instanceof ApiError && error.code === "not_authenticated")) {
      main.prepend(errorBox(error));
      button.disabled = false;
      return;
    }
  }
  button.disabled = false;
  state.user = null;
  navigate("/login", { replace: true });
});

loadUser()
  .then(route)
  .catch((error) => fill(main, h("h1", {}, "Exchange"), errorBox(error)));
