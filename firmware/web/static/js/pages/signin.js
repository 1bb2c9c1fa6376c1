// Signing in: an extension's number and web password, or "admin".
import { field, h, replace } from "../dom.js";
import { get, post } from "../api.js";
import { t } from "../i18n.js";

// The appliance's first sign-in: the admin PIN from the console sets the admin password, once.
function firstRunCard(context) {
  const pin = h("input", { name: "admin_pin", inputmode: "numeric", autocomplete: "one-time-code", required: true });
  const password = h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true });
  const again = h("input", { name: "again", type: "password", autocomplete: "new-password", required: true });
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const submit = async event => {
    event.preventDefault();
    problem.hidden = true;
    if (password.value !== again.value) {
      problem.textContent = t("first.mismatch");
      problem.hidden = false;
      return;
    }
    try {
      await post("/api/first-run", { admin_pin: pin.value.trim(), password: password.value });
      await post("/api/login", { login: "admin", password: password.value, cookie: true });
      await context.signedIn();
    } catch (error) {
      problem.textContent = error.message;
      problem.hidden = false;
    }
  };
  return h("section", { class: "card signin", id: "first-run" },
    h("h1", {}, t("first.title")), h("p", {}, t("first.help")),
    h("form", { class: "fields", onsubmit: submit },
      field(t("first.pin"), pin), field(t("first.password"), password), field(t("first.again"), again),
      h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, t("first.submit")))),
    problem);
}

export function render(main, context) {
  const login = h("input", { name: "login", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const submit = async event => {
    event.preventDefault();
    problem.hidden = true;
    try {
      await post("/api/login", { login: login.value.trim(), password: password.value, cookie: true });
      password.value = "";
      await context.signedIn();
    } catch (error) {
      problem.textContent = error.status === 401 ? t("signin.refused") : error.message;
      problem.hidden = false;
      password.select();
    }
  };
  const language = code => h("button", { type: "button", lang: code, onclick: () => {
    localStorage.setItem("minipbx.language", code);
    location.reload();
  } }, code === "de" ? "Deutsch" : "English");
  replace(main, h("section", { class: "card signin" },
    h("h1", {}, t("signin.title")),
    h("form", { class: "fields", onsubmit: submit },
      field(t("signin.login"), login),
      field(t("signin.password"), password),
      h("div", { class: "actions" }, h("button", { class: "primary", type: "submit" }, t("signin.submit")))),
    problem,
    h("p", { class: "muted" }, t("signin.help")),
    h("div", { class: "buttons" }, language("en"), language("de"))));
  document.title = `${t("signin.title")} - minipbx`;
  get("/api/first-run").then(state => {
    if (state.needed) main.prepend(firstRunCard(context));
  }).catch(() => {});
}
