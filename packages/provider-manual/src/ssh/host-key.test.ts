import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { entryMatches, parseKnownHosts, sha256Fingerprint, verifyHostKey } from './host-key.js';

const KEY_A = Buffer.from('key-a-blob');
const KEY_B = Buffer.from('key-b-blob');
const b64 = (b: Buffer): string => b.toString('base64');

function hashed(name: string): string {
  const salt = Buffer.from('0123456789abcdef0123');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts parsing and matching', () => {
  it('reads plain, bracketed, hashed, negated and marked entries, skipping comments', () => {
    const entries = parseKnownHosts(
      [
        '# comment',
        '',
        `gpu-1,10.0.0.1 ssh-ed25519 ${b64(KEY_A)} a comment`,
        `[10.0.0.2]:2222 ssh-ed25519 ${b64(KEY_A)}`,
        `${hashed('10.0.0.3')} ssh-ed25519 ${b64(KEY_A)}`,
        `*.lab,!bad.lab ssh-ed25519 ${b64(KEY_A)}`,
        `@revoked 10.0.0.9 ssh-ed25519 ${b64(KEY_B)}`,
        'malformed',
      ].join('\n'),
    );
    expect(entries).toHaveLength(5);
    const [plain, bracketed, hashedEntry, wildcard, revoked] = entries;
    expect(entryMatches(plain!, '10.0.0.1', 22)).toBe(true);
    expect(entryMatches(plain!, '10.0.0.1', 2222)).toBe(false);
    expect(entryMatches(bracketed!, '10.0.0.2', 2222)).toBe(true);
    expect(entryMatches(hashedEntry!, '10.0.0.3', 22)).toBe(true);
    expect(entryMatches(hashedEntry!, '10.0.0.4', 22)).toBe(false);
    expect(entryMatches(wildcard!, 'a.lab', 22)).toBe(true);
    expect(entryMatches(wildcard!, 'bad.lab', 22)).toBe(false);
    expect(revoked?.marker).toBe('@revoked');
  });
});

describe('verifyHostKey', () => {
  const file = [`10.0.0.1 ssh-ed25519 ${b64(KEY_A)}`, `@revoked 10.0.0.9 ssh-ed25519 ${b64(KEY_B)}`].join('\n');
  const read = (): string => file;
  const where = { host: '10.0.0.1', port: 22 };

  it('accepts the known key and refuses another with both fingerprints', () => {
    expect(verifyHostKey({ kind: 'known_hosts', file: '/kh' }, where, KEY_A, read)).toEqual({ ok: true });
    const verdict = verifyHostKey({ kind: 'known_hosts', file: '/kh' }, where, KEY_B, read);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.reason).toBe('mismatch');
      expect(verdict.message).toContain(`expected ${sha256Fingerprint(KEY_A)}`);
      expect(verdict.message).toContain(`presented ${sha256Fingerprint(KEY_B)}`);
    }
  });

  it('refuses an unknown host and a revoked key; the opt-out accepts anything', () => {
    expect(verifyHostKey({ kind: 'known_hosts', file: '/kh' }, { host: '10.0.0.5', port: 22 }, KEY_A, read)).toMatchObject({ ok: false, reason: 'unknown' });
    expect(verifyHostKey({ kind: 'known_hosts', file: '/kh' }, { host: '10.0.0.9', port: 22 }, KEY_B, read)).toMatchObject({ ok: false, reason: 'revoked' });
    expect(
      verifyHostKey({ kind: 'known_hosts', file: '/missing' }, where, KEY_A, () => {
        throw new Error('ENOENT');
      }),
    ).toMatchObject({ ok: false, reason: 'unknown' });
    expect(verifyHostKey({ kind: 'insecure' }, where, KEY_B, read)).toEqual({ ok: true });
  });

  it('checks a pinned fingerprint', () => {
    expect(verifyHostKey({ kind: 'fingerprint', fingerprint: sha256Fingerprint(KEY_A) }, where, KEY_A)).toEqual({ ok: true });
    expect(verifyHostKey({ kind: 'fingerprint', fingerprint: sha256Fingerprint(KEY_A) }, where, KEY_B)).toMatchObject({ ok: false, reason: 'mismatch' });
  });

  it('computes the OpenSSH fingerprint form', () => {
    expect(sha256Fingerprint(KEY_A)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
