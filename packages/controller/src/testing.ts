// @iris/controller/testing: fakes and fixtures for tests and benchmarks, kept out of the controller's main entry.
export { FakePlatform, FakeVmManager } from './autoscaler/testing/fake-platform.js';
export type { FakeBehaviour, FakePlatformOptions, FakeSlice } from './autoscaler/testing/fake-platform.js';
export { TEST_AUTOSCALER_CONFIG, TEST_WORKER_BOOTSTRAP, testAutoscalerConfig, testScaleGroup, testWorkerLaunch } from './autoscaler/testing/fixtures.js';
export { FakeCluster } from './autoscaler/testing/fake-cluster.js';
export type { FakeClusterOptions } from './autoscaler/testing/fake-cluster.js';
