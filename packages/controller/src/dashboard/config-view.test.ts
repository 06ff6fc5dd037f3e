import { describe, expect, it } from 'vitest';
import { maskClusterFileText } from './config-view.js';

describe('maskClusterFileText', () => {
  it('keeps the file as written and masks secret values, flow and block style alike', () => {
    const text = `# the demo cluster
name: demo
defaults:
  autoscaler: { scale_down_delay: 5m }   # five minutes
  bootstrap:
    env: { DASH_SECRET: hunter2, OTHER: "x y" }
  ssh:
    key_file: ~/.ssh/id_ed25519
scale_groups:
  cpu:
    provider: { type: local, api_token: abc123 }
    resources: { cpu: 2, ram: 1GB, disk: 64GB }
    credentials:
      client_secret: s3cret
      ids: [a, b]
`;
    const out = maskClusterFileText(text)!;
    expect(out).toContain('# the demo cluster');
    expect(out).toContain('scale_down_delay: 5m }   # five minutes');
    expect(out).toContain('ram: 1GB, disk: 64GB');
    for (const secret of ['hunter2', 'x y', 'abc123', 's3cret', 'id_ed25519']) expect(out).not.toContain(secret);
    expect(out).toContain('DASH_SECRET: ••••••');
    expect(out).toContain('api_token: ••••••');
    expect(out).toContain('ids: [••••••, ••••••]');
    expect(out).toContain('OTHER: "••••••"');
    expect(out.split('\n')).toHaveLength(text.split('\n').length);
  });

  it('answers the text unchanged when nothing is secret, and undefined for text that is not YAML', () => {
    const text = 'name: plain   # comment\nscale_groups: {}\n';
    expect(maskClusterFileText(text)).toBe(text);
    expect(maskClusterFileText('a: [unclosed')).toBeUndefined();
  });
});
