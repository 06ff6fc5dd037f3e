import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue, loadClusterText } from '../../src/config/index.js';
import { BUILTINS, ENV } from '../helpers/test-providers.js';

// A local-only install of the CLI: gcp and manual are known packages that are not installed.
const LOCAL_ONLY = {
  builtins: BUILTINS.filter((b) => b.plugin.type === 'local'),
  notInstalled: { gcp: '@iris/provider-gcp', tpu: '@iris/provider-gcp', manual: '@iris/provider-manual' },
  env: ENV,
};

async function errors(text: string): Promise<string[]> {
  const err = await loadClusterText(text, 'cluster.yaml', LOCAL_ONLY).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).issues.filter((i) => i.severity === 'error').map(formatConfigIssue);
}

describe('a file that names a provider whose package is not installed', () => {
  it('gets the exact install command at the file:line:col of each type', async () => {
    expect(
      await errors(`scale_groups:
  tpus:
    provider: { type: gcp, project_id: p, zones: [europe-west4-b] }
    resources: { cpu: 1, ram: 1GB }
  lab:
    provider:
      type: manual
      hosts: [10.0.0.1]
    resources: { cpu: 1, ram: 1GB }
  old:
    provider: { type: tpu, project_id: p, zones: [europe-west4-b] }
    resources: { cpu: 1, ram: 1GB }
`),
    ).toEqual([
      'cluster.yaml:3:23 scale_groups.tpus.provider.type: provider "gcp" is not installed: run npm i @iris/provider-gcp (installed: local)',
      'cluster.yaml:7:13 scale_groups.lab.provider.type: provider "manual" is not installed: run npm i @iris/provider-manual (installed: local)',
      'cluster.yaml:11:23 scale_groups.old.provider.type: provider "tpu" is not installed: run npm i @iris/provider-gcp (installed: local)',
    ]);
  });

  it('still calls a type no known package provides unknown', async () => {
    expect(await errors('provider: { type: aws }\nscale_groups:\n  a: { resources: { cpu: 1, ram: 1GB } }\n')).toEqual([
      'cluster.yaml:1:19 provider.type: unknown provider "aws" (installed: local); add its package to plugins:',
    ]);
  });

  it('loads a local-only file without the optional packages', async () => {
    const { config } = await loadClusterText(
      'provider: { type: local }\nscale_groups:\n  a: { resources: { cpu: 1, ram: 1GB } }\n',
      'cluster.yaml',
      LOCAL_ONLY,
    );
    expect(config.scale_groups['a']?.provider).toEqual({ type: 'local' });
  });
});
