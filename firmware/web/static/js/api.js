// The HTTP API as the signed-in browser session: the session cookie rides along by itself,
// and every change echoes the CSRF cookie in X-CSRF-Token (docs/http-api.md, browser sessions).

export class ApiError extends Error {
  constructor(status, message, fields) {
    super(message);
    this.status = status;
    this.fields = fields || [];
  }
}

export function csrfToken() {
  const found = document.cookie.match(/(?:^|;\s*)minipbx_csrf=([0-9a-f]+)/);
  return found ? found[1] : "";
}

export async function api(method, path, body) {
  // A File (an upload) goes as it is; anything else as JSON.
  const raw = body instanceof Blob;
  const headers = {};
  if (body !== undefined) headers["content-type"] = raw ? "application/octet-stream" : "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  let answer;
  try {
    answer = await fetch(path, { method, headers, credentials: "same-origin",
                                 body: body === undefined ? undefined : raw ? body : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, `the box did not answer (${error.message})`);
  }
  if (answer.status === 401 && path !== "/api/login") window.dispatchEvent(new CustomEvent("signed-out"));
  if (!answer.ok) {
    let data = {};
    try { data = await answer.json(); } catch { /* not JSON: the status text says it */ }
    throw new ApiError(answer.status, data.error || `${answer.status} ${answer.statusText}`, data.fields);
  }
  if (answer.status === 204) return null;
  const type = answer.headers.get("content-type") || "";
  return type.includes("json") ? answer.json() : answer.text();
}

export const get = path => api("GET", path);
export const put = (path, body) => api("PUT", path, body);
export const post = (path, body) => api("POST", path, body);
export const patch = (path, body) => api("PATCH", path, body);
export const del = path => api("DELETE", path);

export function query(params) {
  const kept = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return kept.length ? "?" + new URLSearchParams(kept).toString() : "";
}
