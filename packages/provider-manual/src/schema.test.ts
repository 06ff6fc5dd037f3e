import { describe, expect, it } from 'vitest';
import { check, compileStrict, propertiesWithoutDescription, summarize } from '@iris/provider-testkit';
import { manualControllerSchema, manualProviderSchema } from './schema.js';

const validateGroup = compileStrict(manualProviderSchema);
const validateController = compileStrict(manualControllerSchema);

const minimalGroup = { type: 'manual', hosts: ['10.0.0.1', '10.0.0.2'] };
const FINGERPRINT = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';

describe('manual group schema', () => {
  it('accepts a minimal block and fills in the defaults (host keys checked)', () => {
    const result = check(validateGroup, minimalGroup);
    expect(summarize(result.errors)).toEqual([]);
    expect(result.value).toEqual({
      ...minimalGroup,
      host_key_fingerprints: {},
      insecure_skip_host_key_check: false,
      worker_dir: '~/.iris/worker',
      keep_logs: false,
    });
  });

  it('accepts every documented field', () => {
    const full = {
      type: 'manual',
      hosts: ['gpu-1.lab.example.com', '10.0.0.2:2222', '[fd00::2]:22', 'fd00::3'],
      ssh_user: 'ray',
      ssh_key_file: '~/.ssh/lab_ed25519',
      ssh_port: 22,
      host_key_fingerprints: { 'gpu-1.lab.example.com': FINGERPRINT, '10.0.0.2:2222': FINGERPRINT },
      known_hosts_file: '~/.ssh/lab_known_hosts',
      insecure_skip_host_key_check: false,
      worker_dir: '/opt/iris',
      keep_logs: true,
    };
    expect(summarize(check(validateGroup, full).errors)).toEqual([]);
  });

  it('requires hosts, non-empty and without duplicates', () => {
    const missing = check(validateGroup, { type: 'manual' });
    expect(missing.errors.map((e) => e.params['missingProperty'])).toEqual(['hosts']);
    expect(summarize(check(validateGroup, { type: 'manual', hosts: [] }).errors)).toEqual([expect.stringMatching(/^\/hosts minItems/)]);
    expect(summarize(check(validateGroup, { type: 'manual', hosts: ['a', 'a'] }).errors)).toEqual([expect.stringMatching(/^\/hosts uniqueItems/)]);
  });

  it('rejects host entries that are not a host, address or host:port', () => {
    for (const bad of ['', 'user@host', 'host name', 'http://host', '-leading.dash', 'host:']) {
      expect(check(validateGroup, { type: 'manual', hosts: [bad] }).ok, bad).toBe(false);
    }
  });

  it('rejects a fingerprint that is not SHA256 base64', () => {
    for (const bad of ['MD5:aa:bb', 'SHA256:short', `${FINGERPRINT}=`]) {
      const result = check(validateGroup, { ...minimalGroup, host_key_fingerprints: { '10.0.0.1': bad } });
      expect(result.ok, bad).toBe(false);
    }
  });

  it('rejects an unknown key and names it', () => {
    const result = check(validateGroup, { ...minimalGroup, user: 'ray' });
    expect(result.errors.map((e) => e.params['additionalProperty'])).toEqual(['user']);
  });

  it('rejects wrong types', () => {
    expect(check(validateGroup, { type: 'manual', hosts: '10.0.0.1' }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, ssh_port: '22' }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, insecure_skip_host_key_check: 'yes' }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, type: 'gcp' }).ok).toBe(false);
  });

  it('describes every property so editors show help', () => {
    expect(propertiesWithoutDescription(manualProviderSchema)).toEqual([]);
  });
});

describe('manual controller schema', () => {
  it('requires the host and defaults the port', () => {
    expect(check(validateController, { type: 'manual' }).errors.map((e) => e.params['missingProperty'])).toEqual(['host']);
    const result = check(validateController, { type: 'manual', host: '10.0.0.9' });
    expect(result.value).toEqual({ type: 'manual', host: '10.0.0.9', port: 10000, insecure_skip_host_key_check: false });
  });

  it('accepts every documented field', () => {
    const full = {
      type: 'manual',
      host: 'ctl.lab.example.com',
      port: 10000,
      ssh_user: 'ray',
      ssh_key_file: '~/.ssh/id_ed25519',
      ssh_port: 2222,
      host_key_fingerprint: FINGERPRINT,
      known_hosts_file: '~/.ssh/known_hosts',
      insecure_skip_host_key_check: false,
    };
    expect(summarize(check(validateController, full).errors)).toEqual([]);
  });

  it('rejects unknown keys and wrong types', () => {
    expect(check(validateController, { type: 'manual', host: 'h', hosts: ['h'] }).errors[0]?.params).toEqual({
      additionalProperty: 'hosts',
    });
    expect(check(validateController, { type: 'manual', host: 'h', port: 0 }).ok).toBe(false);
    expect(check(validateController, { type: 'manual', host: ['h'] }).ok).toBe(false);
  });

  it('describes every property', () => {
    expect(propertiesWithoutDescription(manualControllerSchema)).toEqual([]);
  });
});
