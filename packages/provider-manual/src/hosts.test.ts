import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@iris/core';
import type { ManualProviderConfig } from './config-types.js';
import { MANUAL_HOSTS_INVALID, parseHostEntry, resolveManualHosts } from './hosts.js';

const sshDefaults = { user: 'root', port: 22, key_file: '~/.ssh/id_ed25519' };
const FINGERPRINT = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';

function group(overrides: Partial<ManualProviderConfig>): ManualProviderConfig {
  return {
    type: 'manual',
    hosts: ['10.0.0.1'],
    host_key_fingerprints: {},
    insecure_skip_host_key_check: false,
    worker_dir: '~/.iris/worker',
    keep_logs: false,
    ...overrides,
  };
}

function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('parseHostEntry', () => {
  it.each([
    ['10.0.0.1', { host: '10.0.0.1', port: 22 }],
    ['10.0.0.1:2222', { host: '10.0.0.1', port: 2222 }],
    ['gpu-1.lab', { host: 'gpu-1.lab', port: 22 }],
    ['[fd00::1]:2200', { host: 'fd00::1', port: 2200 }],
    ['[fd00::1]', { host: 'fd00::1', port: 22 }],
    ['fd00::1', { host: 'fd00::1', port: 22 }],
  ])('%s', (entry, expected) => {
    expect(parseHostEntry(entry, 22)).toEqual(expected);
  });

  it('refuses a port out of range', () => {
    expect(
      hasErrorCode(
        errorOf(() => parseHostEntry('h:70000', 22)),
        MANUAL_HOSTS_INVALID,
      ),
    ).toBe(true);
  });
});

describe('resolveManualHosts', () => {
  it('fills user, port and key from the cluster ssh defaults, checking known_hosts', () => {
    expect(resolveManualHosts(group({}), sshDefaults)).toEqual([
      { entry: '10.0.0.1', host: '10.0.0.1', port: 22, user: 'root', keyFile: '~/.ssh/id_ed25519', hostKey: { kind: 'known_hosts' } },
    ]);
  });

  it('lets the group override the ssh defaults, and a host its port', () => {
    const hosts = resolveManualHosts(
      group({ hosts: ['a', 'b:2200'], ssh_user: 'ray', ssh_port: 2222, ssh_key_file: '/k', known_hosts_file: '/kh' }),
      sshDefaults,
    );
    expect(hosts.map((h) => [h.host, h.port, h.user, h.keyFile, h.hostKey])).toEqual([
      ['a', 2222, 'ray', '/k', { kind: 'known_hosts', file: '/kh' }],
      ['b', 2200, 'ray', '/k', { kind: 'known_hosts', file: '/kh' }],
    ]);
  });

  it('pins a fingerprint per host, which wins over the insecure opt-out', () => {
    const hosts = resolveManualHosts(group({ hosts: ['a', 'b'], host_key_fingerprints: { a: FINGERPRINT }, insecure_skip_host_key_check: true }), {
      user: 'root',
      port: 22,
    });
    expect(hosts.map((h) => h.hostKey)).toEqual([{ kind: 'fingerprint', fingerprint: FINGERPRINT }, { kind: 'insecure' }]);
    expect(hosts[0]).not.toHaveProperty('keyFile');
  });

  it('refuses two entries that name the same endpoint', () => {
    const err = errorOf(() => resolveManualHosts(group({ hosts: ['10.0.0.1', '10.0.0.1:22'] }), sshDefaults, 'scale_groups.lab.provider'));
    expect(err.code).toBe(MANUAL_HOSTS_INVALID);
    expect(err.message).toBe('scale_groups.lab.provider.hosts: "10.0.0.1:22" and "10.0.0.1" are the same machine (10.0.0.1:22); list each host once');
    expect(() => resolveManualHosts(group({ hosts: ['Gpu-1', 'gpu-1'] }), sshDefaults)).toThrow(/same machine/);
  });

  it('accepts one address on two ports (two sshd on one box)', () => {
    expect(resolveManualHosts(group({ hosts: ['10.0.0.1:22', '10.0.0.1:2222'] }), sshDefaults)).toHaveLength(2);
  });

  it('refuses a fingerprint pinned to a host the group does not list', () => {
    const err = errorOf(() => resolveManualHosts(group({ host_key_fingerprints: { '10.0.0.9': FINGERPRINT } }), sshDefaults));
    expect(err.code).toBe(MANUAL_HOSTS_INVALID);
    expect(err.message).toContain('provider.host_key_fingerprints: "10.0.0.9" is not one of the group\'s hosts');
  });
});
