// Greetings: the company greetings menus and queues play; upload (checked as the CLI checks), play, remove.
import { h, replace, seconds, table, when } from "../dom.js";
import { del, get, put, query } from "../api.js";
import { t } from "../i18n.js";

export async function render(main, context) {
  const listHolder = h("div");
  const name = h("input", { name: "name", required: true, size: 20, placeholder: "welcome-day" });
  const file = h("input", { name: "file", type: "file", required: true, accept: "audio/*,.wav,.mp3,.ogg,.flac" });
  const refresh = async () => {
    const found = await get("/api/prompts");
    replace(listHolder, table([
      [t("greet.name"), p => p.name], [t("greet.length"), p => seconds(p.seconds)],
      [t("greet.source"), p => t(`greet.source_${p.source}`)], [t("greet.made"), p => when(p.created_at)],
      [t("recordings.play"), p => h("audio", { controls: true, preload: "none", src: `/api/prompts/${encodeURIComponent(p.name)}/audio`,
                                               "aria-label": t("greet.play_one", { name: p.name }) })],
      [t("common.actions"), p => h("button", { type: "button", class: "danger", "aria-label": t("greet.remove", { name: p.name }),
        onclick: async () => {
          try { await del(`/api/prompts/${encodeURIComponent(p.name)}`); context.notify(t("greet.removed", { name: p.name })); await refresh(); }
          catch (error) { context.fail(error); }
        } }, t("common.remove"))],
    ], found, t("greet.none")));
  };
  const upload = async event => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    try {
      const made = await put(`/api/prompts/${encodeURIComponent(name.value.trim())}` + query({ filename: chosen.name }), chosen);
      context.notify(t("greet.uploaded", { name: made.name, seconds: seconds(made.seconds) }));
      event.target.reset();
      await refresh();
    } catch (error) { context.fail(error); }
  };
  replace(main, h("h1", {}, t("nav.greetings")),
    h("section", { class: "card" }, h("h2", {}, t("greet.upload_title")),
      h("p", { class: "muted" }, t("greet.help")),
      h("form", { class: "inline", id: "upload-greeting", onsubmit: upload },
        h("label", {}, t("greet.name"), name), h("label", {}, t("greet.file"), file),
        h("button", { type: "submit", class: "primary" }, t("greet.upload")))),
    h("section", { class: "card", id: "greetings" }, h("h2", {}, t("greet.list")), listHolder));
  await refresh();
}
