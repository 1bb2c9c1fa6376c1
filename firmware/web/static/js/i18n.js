// The pages' words in English and German (the prompts' languages). Every string a page shows
// goes through t(); tests/web/test_translations.py checks both dictionaries hold every key used.

let words = {};
let fallback = {};
export let language = "en";

export async function loadLanguage(wanted) {
  // Beside this module, so from the same versioned address (firmware/web/mount.py): kept by
  // the browser until the files change.
  const load = async name => (await fetch(new URL(`../i18n/${name}.json`, import.meta.url))).json();
  fallback = await load("en");
  language = wanted === "de" ? "de" : "en";
  words = language === "en" ? fallback : await load(language);
  document.documentElement.lang = language;
}

export function preferredLanguage() {
  const saved = localStorage.getItem("minipbx.language");
  if (saved) return saved;
  return (navigator.language || "en").toLowerCase().startsWith("de") ? "de" : "en";
}

export function t(key, params = {}) {
  const text = words[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}
