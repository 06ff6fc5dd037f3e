import { describe, expect, it } from 'vitest';
import * as api from '../src/api/index.js';
import * as bootstrap from '../src/bootstrap/index.js';
import * as config from '../src/config/index.js';
import * as contracts from '../src/index.js';

// Each entry point exports what its user needs (the Vitest habit): a provider importing `@iris/core` gets the
// contracts, not the loader, the HTTP client or the SSH scripts.
describe('the entry points of @iris/core', () => {
  it('@iris/core holds the contracts only', () => {
    expect(contracts).toHaveProperty('defineProvider');
    expect(contracts).toHaveProperty('ProviderError');
    expect(contracts).toHaveProperty('FakeClock');
    for (const elsewhere of ['loadCluster', 'createProviderRegistry', 'DEFAULT_CONFIG', 'IrisClient', 'TASK_STATES', 'packProgram', 'daemonStartScript']) {
      expect(contracts, `${elsewhere} belongs on a subpath`).not.toHaveProperty(elsewhere);
    }
  });

  it('@iris/core/config loads cluster files and plugins', () => {
    for (const name of [
      'loadCluster',
      'loadClusterText',
      'migrateClusterText',
      'composeClusterSchema',
      'DEFAULT_CONFIG',
      'ConfigError',
      'createProviderRegistry',
      'loadPlugins',
    ]) {
      expect(config).toHaveProperty(name);
    }
  });

  it('@iris/core/api holds the protocol and the client; @iris/core/bootstrap the SSH scripts', () => {
    expect(api).toHaveProperty('IrisClient');
    expect(api).toHaveProperty('TASK_STATES');
    expect(bootstrap).toHaveProperty('packProgram');
    expect(bootstrap).toHaveProperty('daemonStartScript');
  });
});
