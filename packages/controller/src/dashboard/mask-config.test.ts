import { describe, expect, it } from 'vitest';
import { isSecretKey, MASKED, maskConfig } from './mask-config.js';

describe('maskConfig', () => {
  it('recognises secret-looking key names by their words', () => {
    for (const k of ['token', 'api_key', 'ssh_key_file', 'password', 'clientSecret', 'credentials', 'github-token', 'KEY'])
      expect(isSecretKey(k), k).toBe(true);
    for (const k of ['monkey', 'keyboard_layout', 'name', 'hosts', 'tokens_per_second', 'zone', 'label_prefix']) expect(isSecretKey(k), k).toBe(false);
  });

  it('masks secret values and all of bootstrap.env, keeping structure and other values', () => {
    const config = {
      name: 'demo',
      defaults: {
        ssh: { user: 'root', key_file: '~/.ssh/id_ed25519', port: 22 },
        bootstrap: { worker_port: 10001, env: { HF_HOME: '/cache', WANDB: 'abc' } },
      },
      scale_groups: {
        a: { provider: { type: 'hello', api_token: 's3cret', credentials: { user: 'u', pass: 'p' }, zones: ['z1'] } },
      },
    };
    const masked = maskConfig(config) as typeof config;
    expect(masked.name).toBe('demo');
    expect(masked.defaults.ssh).toEqual({ user: 'root', key_file: MASKED, port: 22 });
    expect(masked.defaults.bootstrap).toEqual({ worker_port: 10001, env: { HF_HOME: MASKED, WANDB: MASKED } });
    expect(masked.scale_groups.a.provider).toEqual({ type: 'hello', api_token: MASKED, credentials: { user: MASKED, pass: MASKED }, zones: ['z1'] });
    expect(JSON.stringify(masked)).not.toMatch(/s3cret|abc|"p"/);
    // The input is not modified.
    expect(config.scale_groups.a.provider.api_token).toBe('s3cret');
  });
});
