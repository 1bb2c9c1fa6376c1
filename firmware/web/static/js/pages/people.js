// People: extensions (add with the SIP password shown once, change, remove), by department.
import { field, h, replace, table, when } from "../dom.js";
import { del, get, patch, post, put } from "../api.js";
import { t } from "../i18n.js";
import { rolesCard } from "./people_roles.js";

// What a softphone needs, as text to copy and as a QR code to scan (the password is shown this once).
function softphoneBlock(server, number, secret) {
  const uri = softphoneUri(server, number, secret);
  const qr = h("div", { id: "softphone-qr", class: "qr" });
  drawQr(qr, uri);
  return h("div", { class: "card", id: "new-secret", role: "alert" },
    h("p", {}, h("strong", {}, t("people.shown_once"))),
    h("div", { class: "softphone" },
      h("pre", { class: "secret", id: "softphone-settings" },
        `${t("people.sip_server")}: ${server}\n${t("people.sip_user")}: ${number}\n${t("people.sip_password")}: ${secret}`),
      h("figure", {}, qr,
        h("figcaption", {}, t("people.qr_caption"), " ", h("code", { id: "softphone-uri", class: "secret" }, uri)))));
}

// Softphones share no QR format; a SIP URI with the password (RFC 3261 userinfo) carries all
// three settings in one line that any scanner shows as text (docs/web-admin.md).
function softphoneUri(server, number, secret) {
  return `sip:${encodeURIComponent(number)}:${encodeURIComponent(secret)}@${server}`;
}

// The QR code as an SVG path built element by element (no markup from text), from the vendored
// qrcode-generator module (static/vendor, see vendor.sh); without it the text above still serves.
async function drawQr(holder, text) {
  let qrcode;
  try { ({ default: qrcode } = await import("../../vendor/qrcode-generator.js")); } catch {
    replace(holder, h("p", { class: "muted" }, t("people.qr_missing")));
    return;
  }
  const code = qrcode(0, "M");
  code.addData(text);
  code.make();
  const count = code.getModuleCount(), quiet = 4, size = count + 2 * quiet;
  let d = "";
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) if (code.isDark(row, col)) d += `M${col + quiet} ${row + quiet}h1v1h-1z`;
  }
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("width", String(size * 5));
  svg.setAttribute("height", String(size * 5));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", t("people.qr_label"));
  svg.setAttribute("shape-rendering", "crispEdges");
  const background = document.createElementNS(svg.namespaceURI, "rect");
  background.setAttribute("width", String(size));
  background.setAttribute("height", String(size));
  background.setAttribute("fill", "#fff");
  const modules = document.createElementNS(svg.namespaceURI, "path");
  modules.setAttribute("d", d);
  modules.setAttribute("fill", "#000");
  svg.append(background, modules);
  replace(holder, svg);
}

async function sipServer(context) {
  // The address phones register to: what the PBX listens on, with this page's host when that is loopback.
  if (!context.me.may("live_calls")) return location.hostname;
  try {
    const status = await get("/api/status");
    const [host, port] = status.sip.split(":");
    const shown = host === "0.0.0.0" ? location.hostname : host;
    return port === "5060" ? shown : `${shown}:${port}`;
  } catch { return location.hostname; }
}

async function roleChoices(context) {
  const builtin = ["user", "admin"];
  if (!context.me.may("users")) return builtin;
  try { return [...new Set([...builtin, ...(await get("/api/roles")).map(r => r.name)])]; } catch { return builtin; }
}

function extensionForm(roles, existing, onSave, onCancel) {
  const input = (name, value, extra = {}) => h("input", { name, value: value ?? "", ...extra });
  const number = input("number", existing?.number, { required: true, inputmode: "numeric",
                                                     disabled: Boolean(existing) });
  const name = input("name", existing?.name, { required: true });
  const department = input("department", existing?.department);
  const email = input("email", existing?.email, { type: "email" });
  const role = h("select", { name: "role" }, roles.map(r =>
    h("option", { value: r, selected: r === (existing?.role || "user") }, r)));
  const submit = event => {
    event.preventDefault();
    onSave({ number: number.value.trim(), name: name.value.trim(), department: department.value.trim(),
             email: email.value.trim(), role: role.value });
  };
  return h("form", { class: "fields", id: existing ? "edit-extension" : "add-extension", onsubmit: submit },
    field(t("people.number"), number), field(t("people.name"), name),
    field(t("people.department"), department), field(t("people.email"), email), field(t("people.role"), role),
    h("div", { class: "actions buttons" },
      h("button", { class: "primary", type: "submit" }, existing ? t("common.save") : t("people.add")),
      onCancel ? h("button", { type: "button", onclick: onCancel }, t("common.cancel")) : null));
}

export async function render(main, context) {
  const [roles, server] = await Promise.all([roleChoices(context), sipServer(context)]);
  const secretHolder = h("div");
  const editor = h("div");
  const listHolder = h("div");
  let filter = "";

  const showSecret = (number, secret) => {
    replace(secretHolder, softphoneBlock(server, number, secret));
    secretHolder.scrollIntoView({ block: "nearest" });
  };

  const edit = extension => {
    replace(editor, h("section", { class: "card" },
      h("h2", {}, t("people.edit", { number: extension.number })),
      extensionForm(roles, extension, async values => {
        try {
          await patch(`/api/extensions/${extension.number}`, {
            name: values.name, department: values.department, email: values.email, role: values.role });
          replace(editor);
          context.notify(t("people.saved", { number: extension.number }));
          await refresh();
        } catch (error) { context.fail(error); }
      }, () => replace(editor)),
      h("div", { class: "buttons" },
        h("button", { type: "button", onclick: async () => {
          try {
            const made = await put(`/api/extensions/${extension.number}/sip-password`, {});
            showSecret(extension.number, made.secret);
          } catch (error) { context.fail(error); }
        } }, t("people.new_sip_password")),
        h("button", { type: "button", onclick: async () => {
          try {
            const made = await put(`/api/extensions/${extension.number}/web-password`, {});
            replace(secretHolder, h("div", { class: "card", role: "alert" },
              h("p", {}, h("strong", {}, t("people.shown_once"))),
              h("pre", { class: "secret" }, `${t("people.web_password")}: ${made.secret}`)));
          } catch (error) { context.fail(error); }
        } }, t("people.new_web_password")))));
    editor.scrollIntoView({ block: "nearest" });
  };

  const remove = async extension => {
    if (!confirm(t("people.confirm_remove", { number: extension.number, name: extension.name }))) return;
    try {
      await del(`/api/extensions/${extension.number}`);
      context.notify(t("people.removed", { number: extension.number }));
      await refresh();
    } catch (error) { context.fail(error); }
  };

  const departmentsHolder = h("div");
  const renameHolder = h("div");
  const roleCard = context.me.may("users") ? rolesCard(context) : null;
  // Renaming a department moves all its extensions (into an existing one: they merge).
  const renameDepartment = department => {
    const name = h("input", { name: "department-name", required: true, value: department.name });
    replace(renameHolder, h("form", { class: "fields", id: "rename-department", onsubmit: async event => {
      event.preventDefault();
      try {
        const renamed = await put(`/api/departments/${encodeURIComponent(department.name)}`, { name: name.value });
        replace(renameHolder);
        context.notify(t("people.department_renamed", { old: department.name, name: renamed.name }));
        await refresh();
      } catch (error) { context.fail(error); }
    } }, field(t("people.department_new_name", { name: department.name }), name),
      h("div", { class: "actions buttons" }, h("button", { class: "primary", type: "submit" }, t("common.save")),
        h("button", { type: "button", onclick: () => replace(renameHolder) }, t("common.cancel")))));
    name.focus();
  };
  const refresh = async () => {
    const [all, departments] = await Promise.all([get("/api/extensions"), get("/api/departments")]);
    replace(departmentsHolder, table([
      [t("people.department"), d => d.name],
      [t("people.members"), d => d.members.map(m => `${m.number} ${m.name}`).join(", ")],
      [t("common.actions"), d => h("button", { type: "button", onclick: () => renameDepartment(d),
                                               "aria-label": t("people.rename_department", { name: d.name }) },
        t("people.rename"))],
    ], departments, t("people.no_departments")));
    if (roleCard) await roleCard.refresh(all);
    const shown = all.filter(e => !filter || `${e.number} ${e.name} ${e.department || ""}`.toLowerCase().includes(filter));
    replace(listHolder,
      h("p", { class: "muted" }, t("people.count", { count: all.length, departments: departments.length })),
      table([
        [t("people.number"), e => e.number],
        [t("people.name"), e => e.name],
        [t("people.department"), e => e.department || ""],
        [t("people.role"), e => e.role],
        [t("people.device"), e => e.device || t("people.sip_phone")],
        [t("people.changed"), e => e.changed_by ? `${e.changed_by}, ${when(e.changed_at)}` : ""],
        [t("common.actions"), e => h("div", { class: "buttons" },
          h("button", { type: "button", onclick: () => edit(e), "aria-label": t("people.edit", { number: e.number }) },
            t("common.edit")),
          h("button", { type: "button", class: "danger", onclick: () => remove(e),
                        "aria-label": t("people.remove", { number: e.number }) }, t("common.remove")))],
      ], shown, t("people.none")));
  };

  const search = h("input", { type: "search", id: "people-search", oninput: async () => {
    filter = search.value.trim().toLowerCase();
    await refresh();
  } });
  replace(main,
    h("h1", {}, t("nav.people")),
    h("section", { class: "card" },
      h("h2", {}, t("people.add_title")),
      extensionForm(roles, null, async values => {
        try {
          const made = await post("/api/extensions", {
            number: values.number, name: values.name, role: values.role,
            department: values.department || null, email: values.email || null });
          showSecret(values.number, made.sip_password.secret);
          main.querySelector("#add-extension").reset();
          await refresh();
        } catch (error) { context.fail(error); }
      })),
    secretHolder, editor,
    h("section", { class: "card" },
      h("h2", {}, t("people.list")),
      h("p", {}, h("label", { for: "people-search" }, t("people.search")), " ", search),
      listHolder),
    h("section", { class: "card", id: "departments" }, h("h2", {}, t("people.departments")), departmentsHolder,
      renameHolder),
    roleCard?.card);
  await refresh();
}
