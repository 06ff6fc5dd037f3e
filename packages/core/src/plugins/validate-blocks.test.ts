import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/issues.js';
import { loadClusterText } from '../config/load-cluster.js';
import { defineProvider } from '../plugin.js';

interface AcmeGroup {
  type: 'acme';
  min: number;
  max: number;
}
interface AcmeController {
  type: 'acme';
  port: number;
}

const block = (props: Record<string, unknown>) => ({
  type: 'object',
  properties: { type: { const: 'acme', description: 'the provider type' }, ...props },
  required: ['type'],
  additionalProperties: false,
});
const num = { type: 'integer', description: 'a number' };

function acme(validateThrows = false) {
  return defineProvider<AcmeGroup, AcmeController>({
    type: 'acme',
    aliases: ['roadrunner'],
    description: 'a provider with cross-field rules',
    configSchema: block({ min: { ...num, default: 0 }, max: { ...num, default: 10 } }),
    controllerSchema: block({ port: num }),
    // Typed blocks: no cast in the provider.
    validate: (config, ctx) => {
      if (validateThrows) throw new Error('boom');
      const issues = config.min > config.max ? [{ path: ['min'], message: `min (${config.min}) is above max (${config.max})` }] : [];
      if (ctx.group && ctx.group.slice_size > config.max) issues.push({ path: [], message: `slice_size ${ctx.group.slice_size} exceeds max ${config.max}` });
      return issues;
    },
    validateController: (config) => (config.port === 1 ? [{ path: ['port'], message: 'port 1 is privileged', severity: 'warning' as const }] : []),
    createPlatform: () => {
      throw new Error('not in this test');
    },
  });
}

const load = (text: string, plugin = acme()) =>
  loadClusterText(text, 'cluster.yaml', { builtins: [{ plugin, packageName: 'iris-provider-acme', version: '1.0.0' }], env: {} });

async function errors(text: string, plugin = acme()): Promise<string[]> {
  const err = await load(text, plugin).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues.filter((i) => i.severity === 'error').map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
}

const group = `
    accelerator_type: cpu
    accelerator_variant: cpu
    resources: { cpu: 1, ram: 1GB }`;

describe('defineProvider v2: a provider’s own rules run at load time, positioned', () => {
  it('reports a group block’s issues at file:line:col, with defaults applied and the group in context', async () => {
    expect(
      await errors(`controller:
  provider: { type: acme, port: 80 }
scale_groups:
  a:
    provider: { type: acme, min: 20 }${group}
  b:
    provider: { type: roadrunner, max: 2 }
    slice_size: 4${group}
`),
    ).toEqual(['5:34 scale_groups.a.provider.min: min (20) is above max (10)', '10:15 scale_groups.b.provider: slice_size 4 exceeds max 2']);
  });

  it('checks the controller block on its own path; a warning does not stop the load', async () => {
    const loaded = await load(`controller:
  provider: { type: acme, port: 1 }
scale_groups:
  a:
    provider: { type: acme }${group}
`);
    expect(loaded.warnings.map((w) => `${w.line}:${w.column} ${w.path}: ${w.message}`)).toContain('2:33 controller.provider.port: port 1 is privileged');
  });

  it('blames a validator that throws on its package', async () => {
    const found = await errors(
      `controller:
  provider: { type: acme, port: 80 }
scale_groups:
  a:
    provider: { type: acme }${group}
`,
      acme(true),
    );
    expect(found).toEqual(["5:15 scale_groups.a.provider: the iris-provider-acme validator failed (boom); report it to the package's authors"]);
  });
});
