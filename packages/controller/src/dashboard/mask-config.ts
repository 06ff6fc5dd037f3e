/** What replaces a secret value in the config the API shows. */
export const MASKED = '••••••';

const SECRET_WORDS = new Set(['token', 'key', 'password', 'passwd', 'secret', 'credential', 'credentials']);

/**
 * A key name looks like it holds a secret when one of its words (split on `_ - .` and camelCase) is
 * token, key, password, secret or credentials: `token`, `api_key`, `ssh_key_file`, `clientSecret`.
 */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[_\-.]+/);
  return words.some((w) => SECRET_WORDS.has(w));
}

/**
 * A deep copy of a resolved config with secrets replaced by MASKED: values under keys that look
 * secret, and every value of `bootstrap.env` (environment variables routinely carry credentials and
 * their names say nothing reliable). Structure and non-secret values are kept, so an operator still
 * sees which keys are set.
 */
export function maskConfig(value: unknown): unknown {
  return mask(value, []);
}

function mask(value: unknown, path: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => mask(v, path));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  const underEnv = path.length >= 2 && path.at(-1) === 'env' && path.at(-2) === 'bootstrap';
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (underEnv || (isSecretKey(k) && v !== null && v !== undefined && typeof v !== 'object')) out[k] = MASKED;
    else if (isSecretKey(k) && v !== null && typeof v === 'object') out[k] = maskAll(v);
    else out[k] = mask(v, [...path, k]);
  }
  return out;
}

/** Every leaf of a secret-named object (e.g. `credentials: {…}`) is masked. */
function maskAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAll);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskAll(v)]));
  }
  return MASKED;
}
