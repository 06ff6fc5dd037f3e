import { IrisError } from '@iris/core';

export const INVALID_ATTRIBUTE = 'IRIS_WORKER_INVALID_ATTRIBUTE';

/** Parses one `key=value` worker attribute; `where` names its origin for the error message. */
export function parseAttribute(text: string, where: string): [string, string] {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq).trim() : '';
  if (key === '') {
    throw new IrisError(INVALID_ATTRIBUTE, `${where}: attribute "${text}" is not of the form key=value (e.g. --attribute tpu-name=my-slice)`);
  }
  return [key, text.slice(eq + 1).trim()];
}

/** Parses the `IRIS_WORKER_ATTRIBUTES` form: `k=v,k2=v2` (empty entries ignored). */
export function parseAttributeList(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const [k, v] = parseAttribute(part, where);
    out[k] = v;
  }
  return out;
}
