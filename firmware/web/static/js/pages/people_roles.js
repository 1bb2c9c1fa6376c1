// People: the roles, each with its permissions and the people who hold it; a custom role's
// permissions changed in place (roles are made and removed on the Integrations page).
import { h, replace, table } from "../dom.js";
import { get, put } from "../api.js";
import { t } from "../i18n.js";
import { checkboxes } from "./secret.js";

export function rolesCard(context) {
  const holder = h("div"), editor = h("div");
  const card = h("section", { class: "card", id: "people-roles" }, h("h2", {}, t("roles.title")), holder, editor);
  let people = [];

  const edit = (role, permissions) => {
    const boxes = checkboxes(`role-${role.name}`, permissions, role.permissions);
    replace(editor, h("form", { id: "edit-role", onsubmit: async event => {
      event.preventDefault();
      try {
        await put(`/api/roles/${encodeURIComponent(role.name)}`, { permissions: boxes.value });
        replace(editor);
        context.notify(t("roles.saved", { name: role.name }));
        await draw();
      } catch (error) { context.fail(error); }
    } }, h("h3", {}, t("people.role_edit", { name: role.name })), boxes,
      h("div", { class: "buttons" }, h("button", { class: "primary", type: "submit" }, t("common.save")),
        h("button", { type: "button", onclick: () => replace(editor) }, t("common.cancel")))));
  };

  const draw = async () => {
    const roles = await get("/api/roles");
    const permissions = roles.find(r => r.name === "admin").permissions;
    replace(holder, table([
      [t("roles.name"), r => r.name],
      [t("roles.permissions"), r => r.permissions.join(", ") || t("roles.own_only")],
      [t("people.role_holders"), r => people.filter(e => e.role === r.name).map(e => `${e.number} ${e.name}`).join(", ")],
      [t("common.actions"), r => r.built_in ? h("span", { class: "muted" }, t("roles.built_in")) :
        h("button", { type: "button", "aria-label": t("people.role_edit", { name: r.name }),
                      onclick: () => edit(r, permissions) }, t("common.edit"))],
    ], roles, ""));
  };

  return { card, refresh: async extensions => { people = extensions; await draw(); } };
}
