// The admin API, same-origin, with the operator's token from sessionStorage (this tab only:
// closing it forgets the token; it is never written to lasting storage or a cookie).

const KEY = "kith.admin.token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/** An error answer of the admin API: `code` is the Worker's stable error code. */
export class ApiError extends Error {
  constructor(code, description, status) {
    super(`${code}: ${description}`);
    this.code = code;
    this.description = description;
    this.status = status;
  }
}

let onUnauthorized = () => {};
/** Called when the API refuses the token (401): the console locks itself. */
export function whenUnauthorized(f) {
  onUnauthorized = f;
}

/** Calls the admin API; resolves to the JSON answer (null for 204), or throws an ApiError. */
export async function api(method, path, body) {
  const headers = { authorization: `Bearer ${token.get() ?? ""}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store", credentials: "omit" });
  } catch (e) {
    throw new ApiError("network_error", `the Worker could not be reached (${e.message})`, 0);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = new ApiError(data?.error ?? `http_${res.status}`, data?.error_description ?? (text || res.statusText), res.status);
    if (res.status === 401) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const projectPath = (pid, rest = "") => `/admin/projects/${encodeURIComponent(pid)}${rest}`;
