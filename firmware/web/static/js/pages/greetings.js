// Greetings: the company greetings menus and queues play (upload, checked as the CLI checks; record
// from a phone the box rings; play; remove), and the music on hold held callers hear.
import { h, replace, seconds, table, when } from "../dom.js";
import { del, get, post, put, query } from "../api.js";
import { t } from "../i18n.js";

// How long the page waits for a recording made on a phone to be kept: ringing, the prompt, the
// longest greeting (prompt_max_seconds is at most a few minutes), the conversion.
const RECORDING_WAIT_MS = 10 * 60 * 1000;
const POLL_MS = 2000;

// `made` (when the file was made) is in the address: a replaced file is not played from the browser's cache.
function player(path, made, label) {
  return h("audio", { controls: true, preload: "none", src: path + query({ made }), "aria-label": label });
}

function removeButton(label, path, done, context) {
  return h("button", { type: "button", class: "danger", "aria-label": label, onclick: async () => {
    try { await del(path); await done(); } catch (error) { context.fail(error); }
  } }, t("common.remove"));
}

// A name and an audio file, sent as the request body to `${base}/${name}`; `filename` names the
// file if it is refused.
function uploadForm({ id, base, name, nameLabel, button, context, saved }) {
  const file = h("input", { name: "file", type: "file", required: true, accept: "audio/*,.wav,.mp3,.ogg,.flac" });
  const upload = async event => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    try {
      const made = await put(`${base}/${encodeURIComponent(name.value.trim())}` + query({ filename: chosen.name }), chosen);
      event.target.reset();
      await saved(made);
    } catch (error) { context.fail(error); }
  };
  return h("form", { class: "inline", id, onsubmit: upload },
    h("label", {}, nameLabel, name), h("label", {}, t("greet.file"), file),
    h("button", { type: "submit", class: "primary" }, button));
}

function greetingsSection(context) {
  const listHolder = h("div");
  const name = h("input", { name: "name", required: true, size: 20, placeholder: "welcome-day" });
  const refresh = async () => {
    const found = await get("/api/prompts");
    replace(listHolder, table([
      [t("greet.name"), p => p.name], [t("greet.length"), p => seconds(p.seconds)],
      [t("greet.source"), p => t(`greet.source_${p.source}`)], [t("greet.made"), p => when(p.created_at)],
      [t("recordings.play"), p => player(`/api/prompts/${encodeURIComponent(p.name)}/audio`, p.created_at, t("greet.play_one", { name: p.name }))],
      [t("common.actions"), p => removeButton(t("greet.remove", { name: p.name }), `/api/prompts/${encodeURIComponent(p.name)}`,
        async () => { context.notify(t("greet.removed", { name: p.name })); await refresh(); }, context)],
    ], found, t("greet.none")));
    return found;
  };
  const form = uploadForm({ id: "upload-greeting", base: "/api/prompts", name, nameLabel: t("greet.name"),
    button: t("greet.upload"), context, saved: async made => {
      context.notify(t("greet.uploaded", { name: made.name, seconds: seconds(made.seconds) }));
      await refresh();
    } });
  const section = h("section", { class: "card" }, h("h2", {}, t("greet.upload_title")),
    h("p", { class: "muted" }, t("greet.help")), form);
  return { section, list: h("section", { class: "card", id: "greetings" }, h("h2", {}, t("greet.list")), listHolder), refresh };
}

// Record from my phone: the box rings the extension; the page waits for the greeting to be kept.
function recordSection(context, refresh) {
  const name = h("input", { name: "name", required: true, size: 20, placeholder: "welcome-day" });
  const extension = h("input", { name: "extension", required: true, size: 8, inputmode: "numeric",
                                 value: context.me.login || "", placeholder: "101" });
  const button = h("button", { type: "submit", class: "primary" }, t("greet.record"));
  const waitFor = async (prompt, before) => {
    const deadline = Date.now() + RECORDING_WAIT_MS;
    while (Date.now() < deadline && document.body.contains(button)) {
      await new Promise(resolve => setTimeout(resolve, POLL_MS));
      const found = (await refresh()).find(p => p.name === prompt && p.created_at !== before);
      if (found) { context.notify(t("greet.recorded", { name: prompt, seconds: seconds(found.seconds) })); return; }
    }
  };
  const record = async event => {
    event.preventDefault();
    const prompt = name.value.trim();
    button.disabled = true;
    try {
      const before = ((await get("/api/prompts")).find(p => p.name === prompt) || {}).created_at;
      const started = await post(`/api/prompts/${encodeURIComponent(prompt)}/record`, { extension: extension.value.trim() });
      context.notify(t("greet.ringing", { extension: started.extension, name: started.prompt }));
      // Not awaited: a refused recording (silent, too long) never shows up, and the button may be pressed again.
      waitFor(started.prompt, before).catch(error => context.fail(error));
    } catch (error) { context.fail(error); }
    finally { button.disabled = false; }
  };
  return h("section", { class: "card" }, h("h2", {}, t("greet.record_title")),
    h("p", { class: "muted" }, t("greet.record_help")),
    h("form", { class: "inline", id: "record-greeting", onsubmit: record },
      h("label", {}, t("greet.name"), name), h("label", {}, t("greet.extension"), extension), button));
}

function musicSection(context) {
  const listHolder = h("div");
  const name = h("input", { name: "name", required: true, size: 16, value: "default" });
  const refresh = async () => {
    const found = await get("/api/music");
    replace(listHolder, table([
      [t("greet.music_class"), c => c.name],
      [t("greet.length"), c => c.built_in ? t("greet.music_built_in") : seconds(c.seconds)],
      [t("greet.music_used_by"), c => c.used_by.length ? c.used_by.join(", ") : t(c.name === "default" ? "greet.music_everyone" : "greet.music_nobody")],
      [t("recordings.play"), c => player(`/api/music/${encodeURIComponent(c.name)}/audio`, c.created_at, t("greet.music_play_one", { name: c.name }))],
      [t("common.actions"), c => c.built_in ? "" : removeButton(t("greet.music_remove", { name: c.name }), `/api/music/${encodeURIComponent(c.name)}`,
        async () => { context.notify(t("greet.music_removed", { name: c.name })); await refresh(); }, context)],
    ], found, ""));
  };
  const form = uploadForm({ id: "upload-music", base: "/api/music", name, nameLabel: t("greet.music_class"),
    button: t("greet.music_upload"), context, saved: async made => {
      context.notify(t("greet.music_uploaded", { name: made.name, seconds: seconds(made.seconds) }));
      await refresh();
    } });
  const section = h("section", { class: "card", id: "music" }, h("h2", {}, t("greet.music_title")),
    h("p", { class: "muted" }, t("greet.music_help")), listHolder, form);
  return { section, refresh };
}

export async function render(main, context) {
  const greetings = greetingsSection(context);
  const music = musicSection(context);
  replace(main, h("h1", {}, t("nav.greetings")), greetings.section, recordSection(context, greetings.refresh),
    greetings.list, music.section);
  await Promise.all([greetings.refresh(), music.refresh()]);
}
