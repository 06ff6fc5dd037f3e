import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HostKeyPolicy } from '../hosts.js';

/** OpenSSH's fingerprint of a host key blob: `SHA256:` and unpadded base64 of its sha256. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  patterns: string[];
  keyType: string;
  keyBlob: Buffer;
}

/** Parses known_hosts text; comments, blank and malformed lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostEntry['marker'];
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key) continue;
    entries.push({ ...(marker ? { marker } : {}), patterns: hosts.split(','), keyType, keyBlob: Buffer.from(key, 'base64') });
  }
  return entries;
}

function wildcardMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(name);
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    // Hashed entry: |1|base64(salt)|base64(HMAC-SHA1(salt, name)).
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return wildcardMatch(pattern, name);
}

/** The name known_hosts stores for an endpoint: `host`, or `[host]:port` off port 22. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** True when the entry's patterns cover the endpoint (a matching `!pattern` excludes it). */
export function entryMatches(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  let matched = false;
  for (const p of entry.patterns) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), name)) return false;
    } else if (patternMatches(p, name)) matched = true;
  }
  return matched;
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: 'mismatch' | 'unknown' | 'revoked'; expected: string[]; presented: string; message: string };

export function defaultKnownHostsFile(home: string): string {
  return `${home}/.ssh/known_hosts`;
}

/**
 * Decides whether a presented host key is acceptable under the host's policy. A refusal carries
 * both fingerprints and what to do, because an operator must tell a re-installed machine from an
 * interception.
 */
export function verifyHostKey(
  policy: HostKeyPolicy,
  endpoint: { host: string; port: number },
  keyBlob: Buffer,
  readKnownHosts: (file: string) => string = (file) => readFileSync(file, 'utf8'),
  home = process.env.HOME ?? '',
): HostKeyVerdict {
  const presented = sha256Fingerprint(keyBlob);
  const where = `${endpoint.host}:${endpoint.port}`;
  if (policy.kind === 'insecure') return { ok: true };
  if (policy.kind === 'fingerprint') {
    if (policy.fingerprint === presented) return { ok: true };
    return {
      ok: false,
      reason: 'mismatch',
      expected: [policy.fingerprint],
      presented,
      message:
        `host key of ${where} does not match the pinned fingerprint: expected ${policy.fingerprint}, presented ${presented}. ` +
        'If the machine was reinstalled, update host_key_fingerprints; otherwise the connection may be intercepted.',
    };
  }
  const file = expandHome(policy.file ?? defaultKnownHostsFile(home), home);
  let text = '';
  try {
    text = readKnownHosts(file);
  } catch {
    text = '';
  }
  const matching = parseKnownHosts(text).filter((e) => e.marker !== '@cert-authority' && entryMatches(e, endpoint.host, endpoint.port));
  if (matching.some((e) => e.marker === '@revoked' && e.keyBlob.equals(keyBlob))) {
    return { ok: false, reason: 'revoked', expected: [], presented, message: `host key ${presented} of ${where} is marked @revoked in ${file}` };
  }
  const trusted = matching.filter((e) => e.marker === undefined);
  if (trusted.some((e) => e.keyBlob.equals(keyBlob))) return { ok: true };
  if (trusted.length === 0) {
    return {
      ok: false,
      reason: 'unknown',
      expected: [],
      presented,
      message:
        `host ${where} is not in ${file} (it presented ${presented}). Add it with ` +
        `\`ssh-keyscan -p ${endpoint.port} ${endpoint.host} >> ${file}\` after checking the fingerprint, or pin it in host_key_fingerprints.`,
    };
  }
  const expected = trusted.map((e) => sha256Fingerprint(e.keyBlob));
  return {
    ok: false,
    reason: 'mismatch',
    expected,
    presented,
    message:
      `host key of ${where} does not match ${file}: expected ${expected.join(' or ')}, presented ${presented}. ` +
      'If the machine was reinstalled, remove its old line from known_hosts; otherwise the connection may be intercepted.',
  };
}

export function expandHome(path: string, home = process.env.HOME ?? ''): string {
  return path === '~' ? home : path.startsWith('~/') ? `${home}/${path.slice(2)}` : path;
}
