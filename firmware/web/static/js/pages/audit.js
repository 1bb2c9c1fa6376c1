// The audit log: who changed what, from where.
import { h, replace, table, when } from "../dom.js";
import { get } from "../api.js";
import { t } from "../i18n.js";

export async function render(main) {
  const rows = await get("/api/audit?limit=200");
  replace(main, h("h1", {}, t("nav.audit")),
    table([
      [t("audit.at"), r => when(r.at)], [t("audit.who"), r => r.who], [t("audit.from"), r => r.address],
      [t("audit.action"), r => r.action],
      [t("audit.details"), r => r.detail],
    ], rows, t("audit.none")));
}
