// Recordings: by employee and date, their total size, play, download, delete (with the permission).
import { bytes, h, replace, seconds, table, when } from "../dom.js";
import { del, get, query } from "../api.js";
import { t } from "../i18n.js";

export async function render(main, context) {
  // A team lead (department_recordings) is listed only their department's, which they may delete.
  const canDelete = context.me.may("recordings") || context.me.may("department_recordings");
  const extension = h("input", { name: "extension", inputmode: "numeric", size: 6 });
  const since = h("input", { type: "date", name: "since" });
  const until = h("input", { type: "date", name: "until" });
  const listHolder = h("div");
  const PAGE = 50;
  let offset = 0;

  const refresh = async () => {
    const found = await get("/api/recordings" + query({ extension: extension.value.trim(), since: since.value,
                                                        until: until.value, limit: PAGE, offset }));
    replace(listHolder,
      h("p", { id: "recordings-total" }, t("recordings.total", {
        count: found.count, size: bytes(found.total_bytes), duration: seconds(found.total_seconds) })),
      table([
        [t("recordings.started"), r => when(r.started_at)],
        [t("recordings.who"), r => r.parties || r.extensions.join(", ")],
        [t("recordings.length"), r => seconds(r.seconds)],
        [t("recordings.size"), r => bytes(r.bytes)],
        [t("recordings.play"), r => h("audio", { controls: true, preload: "none", src: `/api/recordings/${r.id}/audio`,
                                                 dataset: { id: r.id }, "aria-label": t("recordings.play_one", { when: when(r.started_at) }) })],
        [t("common.actions"), r => h("div", { class: "buttons" },
          h("a", { href: `/api/recordings/${r.id}/audio`, download: `recording-${r.id}.wav` }, t("recordings.download")),
          canDelete ? h("button", { type: "button", class: "danger", onclick: async () => {
            if (!confirm(t("recordings.confirm_delete"))) return;
            try { await del(`/api/recordings/${r.id}`); await refresh(); } catch (error) { context.fail(error); }
          } }, t("common.remove")) : null)],
      ], found.recordings, t("recordings.none")),
      h("div", { class: "buttons" },
        h("button", { type: "button", disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); refresh(); } }, t("common.previous")),
        h("span", { class: "muted" }, t("common.page_of", { from: found.count ? offset + 1 : 0, to: offset + found.recordings.length, total: found.count })),
        h("button", { type: "button", disabled: offset + PAGE >= found.count, onclick: () => { offset += PAGE; refresh(); } }, t("common.next"))));
  };
  replace(main, h("h1", {}, t("nav.recordings")),
    h("section", { class: "card" }, h("form", { class: "inline", id: "recordings-filter", onsubmit: async event => {
      event.preventDefault();
      offset = 0;
      try { await refresh(); } catch (error) { context.fail(error); }
    } }, h("label", {}, t("filter.extension"), extension), h("label", {}, t("filter.since"), since),
        h("label", {}, t("filter.until"), until), h("button", { type: "submit", class: "primary" }, t("filter.apply")))),
    listHolder);
  await refresh();
}
