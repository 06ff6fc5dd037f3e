import { describe, expect, it } from 'vitest';
import * as main from '../src/index.js';
import * as testing from '../src/testing.js';

describe('the entry points of @iris/controller', () => {
  it('keeps the fakes and fixtures at @iris/controller/testing, out of the main entry', () => {
    for (const name of ['FakePlatform', 'FakeVmManager', 'FakeCluster', 'testScaleGroup', 'testAutoscalerConfig']) {
      expect(testing, name).toHaveProperty(name);
      expect(main, `${name} belongs to @iris/controller/testing`).not.toHaveProperty(name);
    }
    expect(main).toHaveProperty('startController');
  });
});
