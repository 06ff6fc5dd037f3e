import { describe, expect, it } from 'vitest';
import { applyDefaults, DEFAULT_CONFIG, deepFreeze, mergeDefaults, schemaDefaults } from './defaults.js';

describe('DEFAULT_CONFIG and applyDefaults', () => {
  it('is one frozen constant', () => {
    expect(Object.isFrozen(DEFAULT_CONFIG.defaults.autoscaler)).toBe(true);
    expect(DEFAULT_CONFIG.defaults.timeouts).toEqual({ boot: 300_000, init: 600_000, ssh_poll_interval: 5_000 });
  });

  it('fills every section and every group, keeping what the file says', () => {
    const out = applyDefaults({ name: 'x', defaults: { ssh: { user: 'ray' } }, scale_groups: { a: { max_slices: 3, resources: { cpu: 2, ram: 1 } } } });
    expect(out['name']).toBe('x');
    expect((out['defaults'] as any).ssh).toEqual({ user: 'ray', port: 22, connect_timeout: 30_000 });
    expect((out['scale_groups'] as any).a).toMatchObject({ max_slices: 3, min_slices: 0, priority: 100, resources: { cpu: 2, ram: 1, disk: 0, gpu_count: 0 } });
    expect(out['controller']).toEqual({
      provider: { type: 'local' },
      worker_timeout: 60_000,
      max_wait: 10_000,
      tick: 1_000,
      login_code_ttl: 300_000,
      session_ttl: 7 * 24 * 3_600_000,
      limits: DEFAULT_CONFIG.controller.limits,
    });
    expect(out).not.toHaveProperty('scale_group');
  });

  it('never shares structure with DEFAULT_CONFIG', () => {
    const out = applyDefaults({}) as any;
    out.defaults.bootstrap.env.X = '1';
    expect(DEFAULT_CONFIG.defaults.bootstrap.env).toEqual({});
  });

  it('keeps a user key named __proto__ as a key', () => {
    const over = JSON.parse('{"__proto__": "x"}') as Record<string, unknown>;
    const merged = mergeDefaults({}, over) as Record<string, unknown>;
    expect(Object.keys(merged)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});

describe('schemaDefaults', () => {
  it('fills a provider block from its schema default keywords, nested objects too', () => {
    const schema = {
      properties: {
        type: { const: 'x' },
        network: { type: 'string', default: 'default' },
        labels: { type: 'object', default: {} },
        disk: { type: 'object', properties: { size_gb: { default: 50 }, kind: { default: 'pd-ssd' } } },
      },
    };
    expect(schemaDefaults(schema, { type: 'x', disk: { kind: 'pd-standard' } })).toEqual({
      type: 'x',
      network: 'default',
      labels: {},
      disk: { size_gb: 50, kind: 'pd-standard' },
    });
  });
});

describe('deepFreeze', () => {
  it('freezes everything reachable', () => {
    const v = deepFreeze({ a: { b: [1, { c: 2 }] } });
    expect(Object.isFrozen(v.a.b[1])).toBe(true);
  });
});
