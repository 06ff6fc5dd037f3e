// Reads of the controller's public API (/api/v1). The HttpOnly cookie set at sign-in travels with
// every same-origin request; the page never sees the token itself.

export class SignInNeeded extends Error {}

/** The controller did not answer (connection refused, network down) or a proxy in front said it is down. */
export class Unreachable extends Error {}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(url, init) {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new Unreachable(`the controller does not answer (${err.message})`);
  }
}

export async function get(path, { signal } = {}) {
  const res = await request(`/api/v1${path}`, { credentials: 'same-origin', headers: { accept: 'application/json' }, signal });
  if (res.status === 401) throw new SignInNeeded('sign-in needed');
  // A proxy in front answers 502/504 for a controller that is down; the controller's own 503 is an error it explains.
  if (res.status === 502 || res.status === 504) throw new Unreachable(`the controller does not answer (HTTP ${res.status})`);
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new ApiError(res.status, body.code ?? 'unknown', body.message ?? `HTTP ${res.status}`);
  }
  // An answer cut off (an aborted long-poll, a dropped connection) throws: it never reads as an empty object.
  return res.json();
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
  const res = await request('/health', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Unreachable(`the health check answered HTTP ${res.status}`);
  return res.json();
}
