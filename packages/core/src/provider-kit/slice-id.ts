import { createHash } from 'node:crypto';
import { sanitizeLabelValue } from '../labels.js';

/**
 * A slice id derived from the create request's id, so creating twice with one request id finds
 * the same slice (idempotent create). `prefix` (typically `<cluster>-<group>`) keeps ids readable
 * and apart between groups; the result is a valid label value of at most 63 characters.
 */
export function sliceIdFor(requestId: string, prefix?: string): string {
  const digest = createHash('sha256').update(requestId).digest('hex').slice(0, 10);
  if (!prefix) return `slice-${digest}`;
  const head = sanitizeLabelValue(prefix).slice(0, 63 - digest.length - 1);
  return `${head}-${digest}`;
}
