// The web admin's shell: who is signed in, the pages they may open, the hash router.
import { h, replace } from "./dom.js";
import { ApiError, get, post } from "./api.js";
import { loadLanguage, preferredLanguage, t } from "./i18n.js";
import * as signin from "./pages/signin.js";
import * as dashboard from "./pages/dashboard.js";
import * as people from "./pages/people.js";
import * as logic from "./pages/logic.js";
import * as modes from "./pages/modes.js";
import * as records from "./pages/records.js";
import * as recordings from "./pages/recordings.js";
import * as statistics from "./pages/statistics.js";
import * as audit from "./pages/audit.js";
import * as settings from "./pages/settings.js";
import * as integrations from "./pages/integrations.js";
import * as doors from "./pages/doors.js";
import * as voicemail from "./pages/voicemail.js";
import * as greetings from "./pages/greetings.js";

// Each page and who may open it; the API refuses the rest anyway.
const PAGES = [
  { path: "dashboard", page: dashboard, allowed: () => true },
  { path: "people", page: people, allowed: me => me.may("extensions") },
  { path: "logic", page: logic, allowed: me => me.may("call_logic") },
  { path: "modes", page: modes, allowed: () => true },
  { path: "greetings", page: greetings, allowed: me => me.may("call_logic") },
  { path: "statistics", page: statistics, allowed: me => me.may("reports") },
  { path: "records", page: records, allowed: me => me.may("reports") || me.login !== null },
  { path: "recordings", page: recordings, allowed: me => me.may("recordings") || me.login !== null },
  { path: "voicemail", page: voicemail, allowed: me => me.may("voicemail") || me.login !== null },
  { path: "doors", page: doors, allowed: me => me.may("doors") },
  { path: "settings", page: settings, allowed: me => me.may("settings") || me.may("trunks") },
  { path: "integrations", page: integrations, allowed: me => me.may("users") || me.may("settings") },
  { path: "audit", page: audit, allowed: me => me.may("users") },
];

const main = document.getElementById("page");
const notice = document.getElementById("notice");
let me = null;
let cleanup = null;

function notify(text, isError = false) {
  notice.textContent = text;
  notice.classList.toggle("error-notice", isError);
}

function fail(error) {
  notify(error instanceof ApiError || error instanceof Error ? error.message : String(error), true);
}

const context = {
  get me() { return me; },
  notify, fail,
  go: path => { location.hash = `#/${path}`; },
};

function pageFor(hash) {
  const path = hash.replace(/^#\/?/, "").split("?")[0] || "dashboard";
  return PAGES.find(p => p.path === path);
}

async function show() {
  if (cleanup) { cleanup(); cleanup = null; }
  notify("");
  if (!me) return;
  const wanted = pageFor(location.hash);
  const entry = wanted && wanted.allowed(me) ? wanted : PAGES[0];
  if (entry !== wanted && wanted) notify(t("shell.not_allowed"), true);
  for (const link of document.querySelectorAll("#nav a")) {
    link.toggleAttribute("aria-current", link.dataset.path === entry.path);
    if (link.dataset.path === entry.path) link.setAttribute("aria-current", "page");
  }
  document.getElementById("nav").classList.remove("open");
  document.title = `${t(`nav.${entry.path}`)} - minipbx`;
  replace(main, h("p", { class: "muted" }, t("shell.loading")));
  delete main.dataset.ready;
  try {
    const done = await entry.page.render(main, context);
    cleanup = typeof done === "function" ? done : null;
  } catch (error) {
    replace(main, h("p", { class: "error" }, error.message));
  }
  // Drawn with its data: what the page-load benchmark (bench/web.py) waits for.
  main.dataset.ready = entry.path;
}

function drawShell() {
  const nav = document.getElementById("nav");
  replace(nav, PAGES.filter(p => p.allowed(me)).map(p =>
    h("a", { href: `#/${p.path}`, dataset: { path: p.path } }, t(`nav.${p.path}`))));
  document.getElementById("who").textContent = me.login === null ? me.who : t("shell.signed_in_as", { who: me.who });
  document.getElementById("top").hidden = false;
  document.getElementById("sign-out").textContent = t("shell.sign_out");
}

async function start() {
  try {
    const found = await get("/api/me");
    const permissions = new Set(found.permissions);
    me = { ...found, may: permission => permissions.has(permission) };
  } catch (error) {
    me = null;
    if (!(error instanceof ApiError) || error.status !== 401) notify(error.message, true);
    document.getElementById("top").hidden = true;
    replace(document.getElementById("nav"));
    if (cleanup) { cleanup(); cleanup = null; }
    signin.render(main, { notify, fail, signedIn: start });
    return;
  }
  drawShell();
  await show();
}

async function signOut() {
  try { await post("/api/logout"); } catch { /* signed out already */ }
  me = null;
  location.hash = "";
  await start();
}

async function boot() {
  const language = preferredLanguage();
  await loadLanguage(language);
  const chooser = document.getElementById("lang");
  chooser.value = language;
  chooser.addEventListener("change", async () => {
    localStorage.setItem("minipbx.language", chooser.value);
    await loadLanguage(chooser.value);
    if (me) { drawShell(); await show(); } else await start();
  });
  document.getElementById("sign-out").addEventListener("click", signOut);
  const toggle = document.getElementById("menu-toggle");
  toggle.setAttribute("aria-label", t("shell.menu"));
  toggle.addEventListener("click", () => {
    const open = document.getElementById("nav").classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
  window.addEventListener("hashchange", show);
  // A session that ended (12 hours, a new password, signed out elsewhere): back to signing in.
  window.addEventListener("signed-out", () => { if (me) { me = null; start(); } });
  await start();
}

boot();
