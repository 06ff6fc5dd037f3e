// Reads of the controller's public API (/api/v1). The HttpOnly cookie set at sign-in travels with
// every same-origin request; the page never sees the token itself.

export class SignInNeeded extends Error {}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function get(path, { signal } = {}) {
  const res = await fetch(`/api/v1${path}`, { credentials: 'same-origin', headers: { accept: 'application/json' }, signal });
  if (res.status === 401) throw new SignInNeeded('sign-in needed');
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body.code ?? 'unknown', body.message ?? `HTTP ${res.status}`);
  return body;
}

/** GET that answers undefined on 404 (e.g. /autoscaler on a controller without scale groups). */
export async function getOptional(path, options) {
  try {
    return await get(path, options);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

export async function health() {
  const res = await fetch('/health', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`health check answered HTTP ${res.status}`);
  return res.json();
}
