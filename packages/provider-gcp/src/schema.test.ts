import { describe, expect, it } from 'vitest';
import { check, compileStrict, propertiesWithoutDescription, summarize } from '@iris/provider-testkit';
import { gcpControllerSchema, gcpProviderSchema } from './schema.js';

const validateGroup = compileStrict(gcpProviderSchema);
const validateController = compileStrict(gcpControllerSchema);

const minimalGroup = { type: 'gcp', project_id: 'my-project', zones: ['europe-west4-b'] };

describe('gcp group schema', () => {
  it('accepts a minimal block and fills in the defaults', () => {
    const result = check(validateGroup, minimalGroup);
    expect(summarize(result.errors)).toEqual([]);
    expect(result.value).toEqual({ ...minimalGroup, network: 'default', queued_resource: false, labels: {} });
  });

  it('accepts every documented field', () => {
    const full = {
      ...minimalGroup,
      zones: ['europe-west4-b', 'europe-west4-a'],
      runtime_version: 'v2-alpha-tpuv5-lite',
      network: 'projects/p/global/networks/tpu',
      subnetwork: 'tpu-eu',
      service_account: 'iris@my-project.iam.gserviceaccount.com',
      capacity: 'reserved',
      queued_resource: true,
      reservation: 'my-reservation',
      api_endpoint: 'http://127.0.0.1:8470',
      labels: { team: 'research', cost_center: 'ml-42' },
      startup_script_extra: 'echo ready',
    };
    expect(summarize(check(validateGroup, full).errors)).toEqual([]);
  });

  it('requires project_id and zones', () => {
    const result = check(validateGroup, { type: 'gcp' });
    expect(result.ok).toBe(false);
    const missing = result.errors.filter((e) => e.keyword === 'required').map((e) => e.params['missingProperty']);
    expect(missing.sort()).toEqual(['project_id', 'zones']);
  });

  it('rejects an empty zone list, a duplicated zone and a malformed zone', () => {
    expect(check(validateGroup, { ...minimalGroup, zones: [] }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, zones: ['us-east5-a', 'us-east5-a'] }).ok).toBe(false);
    const bad = check(validateGroup, { ...minimalGroup, zones: ['europe-west4'] });
    expect(summarize(bad.errors)).toEqual([expect.stringMatching(/^\/zones\/0 pattern/)]);
  });

  it('rejects an unknown key and names it', () => {
    const result = check(validateGroup, { ...minimalGroup, zone: 'europe-west4-b' });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.keyword).toBe('additionalProperties');
    expect(result.errors[0]?.params['additionalProperty']).toBe('zone');
  });

  it('rejects wrong types', () => {
    expect(check(validateGroup, { ...minimalGroup, zones: 'europe-west4-b' }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, project_id: 42 }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, queued_resource: 'yes' }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, labels: { team: 7 } }).ok).toBe(false);
  });

  it('rejects a type other than gcp (the discriminator)', () => {
    expect(check(validateGroup, { ...minimalGroup, type: 'aws' }).ok).toBe(false);
  });

  it('rejects values GCP would refuse: capacity, project id, label names, endpoint', () => {
    expect(check(validateGroup, { ...minimalGroup, capacity: 'cheap' }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, project_id: 'My_Project' }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, labels: { Team: 'x' } }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, labels: { team: 'Has Spaces' } }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, api_endpoint: 'tpu.googleapis.com' }).ok).toBe(false);
    expect(check(validateGroup, { ...minimalGroup, service_account: 'not-an-email' }).ok).toBe(false);
  });

  it('accepts a domain-scoped project id', () => {
    expect(check(validateGroup, { ...minimalGroup, project_id: 'example.com:my-project' }).ok).toBe(true);
  });

  it('describes every property so editors show help', () => {
    expect(propertiesWithoutDescription(gcpProviderSchema)).toEqual([]);
  });
});

describe('gcp controller schema', () => {
  it('fills in machine type, disk and port', () => {
    const result = check(validateController, { type: 'gcp' });
    expect(summarize(result.errors)).toEqual([]);
    expect(result.value).toEqual({
      type: 'gcp',
      machine_type: 'n2-standard-4',
      boot_disk_size_gb: 50,
      port: 10000,
      state_disk_size_gb: 20,
      state_mount: '/mnt/disks/iris-state',
      access: 'ssh',
      state_snapshot_interval: '10m',
      state_snapshots_kept: 10,
    });
  });

  it('accepts every documented field', () => {
    const full = {
      type: 'gcp',
      project_id: 'my-project',
      zone: 'europe-west4-b',
      machine_type: 'n2-standard-8',
      boot_disk_size_gb: 200,
      port: 10443,
      image: 'europe-docker.pkg.dev/p/iris/controller:1',
      api_endpoint: 'https://compute.example.internal',
      state_bucket: 'my-iris-state',
      state_snapshot_interval: '1h30m',
      state_snapshots_kept: 24,
    };
    expect(summarize(check(validateController, full).errors)).toEqual([]);
  });

  it('rejects unknown keys, wrong types and out-of-range numbers', () => {
    expect(check(validateController, { type: 'gcp', zones: ['europe-west4-b'] }).errors[0]?.params).toEqual({
      additionalProperty: 'zones',
    });
    expect(check(validateController, { type: 'gcp', port: '10000' }).ok).toBe(false);
    expect(check(validateController, { type: 'gcp', port: 70000 }).ok).toBe(false);
    expect(check(validateController, { type: 'gcp', boot_disk_size_gb: 1.5 }).ok).toBe(false);
    expect(check(validateController, {}).errors.map((e) => e.params['missingProperty'])).toEqual(['type']);
  });

  it('describes every property', () => {
    expect(propertiesWithoutDescription(gcpControllerSchema)).toEqual([]);
  });
});
