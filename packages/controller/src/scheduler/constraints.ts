import type { AttributeValue, Constraint } from '@iris/core/api';

/** True when the attributes satisfy the constraint. Ordered ops need numbers on both sides. */
export function matchesConstraint(attributes: Readonly<Record<string, AttributeValue>>, c: Constraint): boolean {
  const has = Object.prototype.hasOwnProperty.call(attributes, c.key);
  const actual = has ? attributes[c.key] : undefined;
  switch (c.op) {
    case 'exists':
      return has;
    case 'not_exists':
      return !has;
    case 'eq':
      return has && String(actual) === String(c.value);
    case 'ne':
      return !has || String(actual) !== String(c.value);
    default: {
      if (!has) return false;
      const a = toNumber(actual);
      const b = toNumber(c.value);
      if (a === undefined || b === undefined) return false;
      if (c.op === 'gt') return a > b;
      if (c.op === 'ge') return a >= b;
      if (c.op === 'lt') return a < b;
      return a <= b;
    }
  }
}

export function matchesAll(attributes: Readonly<Record<string, AttributeValue>>, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (!matchesConstraint(attributes, c)) return false;
  return true;
}

export function describeConstraint(c: Constraint): string {
  if (c.op === 'exists' || c.op === 'not_exists') return `${c.key} ${c.op}`;
  const symbol = { eq: '=', ne: '!=', gt: '>', ge: '>=', lt: '<', le: '<=' }[c.op];
  return `${c.key}${symbol}${String(c.value)}`;
}

function toNumber(v: AttributeValue | undefined): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
