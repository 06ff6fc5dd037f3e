import { describe, expect, it } from 'vitest';
import { check, compileStrict, propertiesWithoutDescription, summarize } from '@iris/provider-testkit';
import { localControllerSchema, localProviderSchema } from './schema.js';

const validateGroup = compileStrict(localProviderSchema);
const validateController = compileStrict(localControllerSchema);

describe('local group schema', () => {
  it('accepts the bare type and a work_dir', () => {
    expect(check(validateGroup, { type: 'local' }).value).toEqual({ type: 'local' });
    expect(summarize(check(validateGroup, { type: 'local', work_dir: '/tmp/iris' }).errors)).toEqual([]);
  });

  it('requires the type and rejects another one', () => {
    expect(check(validateGroup, {}).errors.map((e) => e.params['missingProperty'])).toEqual(['type']);
    expect(check(validateGroup, { type: 'manual' }).ok).toBe(false);
  });

  it('rejects unknown keys and wrong types', () => {
    expect(check(validateGroup, { type: 'local', hosts: ['a'] }).errors[0]?.params).toEqual({
      additionalProperty: 'hosts',
    });
    expect(check(validateGroup, { type: 'local', work_dir: 3 }).ok).toBe(false);
    expect(check(validateGroup, { type: 'local', work_dir: '' }).ok).toBe(false);
    expect(check(validateGroup, { type: 'local', work_dir: 'relative/dir' }).ok).toBe(false);
  });

  it('describes every property', () => {
    expect(propertiesWithoutDescription(localProviderSchema)).toEqual([]);
  });
});

describe('local controller schema', () => {
  it('defaults to any free port on loopback', () => {
    expect(check(validateController, { type: 'local' }).value).toEqual({ type: 'local', port: 0, host: '127.0.0.1' });
  });

  it('accepts an explicit port and bind address', () => {
    expect(summarize(check(validateController, { type: 'local', port: 10000, host: '0.0.0.0' }).errors)).toEqual([]);
  });

  it('rejects unknown keys, wrong types and ports out of range', () => {
    expect(check(validateController, { type: 'local', machine_type: 'x' }).errors[0]?.params).toEqual({
      additionalProperty: 'machine_type',
    });
    expect(check(validateController, { type: 'local', port: -1 }).ok).toBe(false);
    expect(check(validateController, { type: 'local', port: 65536 }).ok).toBe(false);
    expect(check(validateController, { type: 'local', port: '0' }).ok).toBe(false);
    expect(check(validateController, { type: 'local', host: 127 }).ok).toBe(false);
  });

  it('describes every property', () => {
    expect(propertiesWithoutDescription(localControllerSchema)).toEqual([]);
  });
});
