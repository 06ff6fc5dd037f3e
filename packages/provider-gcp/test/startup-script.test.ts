import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readScriptTemplate, renderControllerStartupScript, renderWorkerStartupScript, WORKER_SCRIPT_TEMPLATE } from '../src/platform/startup-script.js';

const run = promisify(execFile);

/** What a v5e-16 host's metadata server answers (only with the Metadata-Flavor header). */
const METADATA: Record<string, string> = {
  '/computeMetadata/v1/instance/attributes/accelerator-type': 'v5litepod-16',
  '/computeMetadata/v1/instance/attributes/agent-worker-number': '2',
  '/computeMetadata/v1/instance/attributes/tpu-env': "ACCELERATOR_TYPE: 'v5litepod-16'\nNODE_ID: 'demo-tpu-abc'\nTOPOLOGY: '4x4'\nWORKER_ID: '2'\n",
  '/computeMetadata/v1/instance/attributes/worker-network-endpoints': 'w0:uid0:10.0.0.5,w1:uid1:10.0.0.6,w2:uid2:10.0.0.7,w3:uid3:10.0.0.8',
  '/computeMetadata/v1/instance/scheduling/preemptible': 'TRUE',
  '/computeMetadata/v1/instance/network-interfaces/0/ip': '10.0.0.7',
  '/computeMetadata/v1/instance/name': 't1v-n-1234-w-2',
};

describe('worker startup script', () => {
  let server: Server;
  let metadataUrl: string;
  let dir: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const value = METADATA[req.url ?? ''];
      if (req.headers['metadata-flavor'] !== 'Google' || value === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(value);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    metadataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/computeMetadata/v1`;
    dir = mkdtempSync(join(tmpdir(), 'iris-gcp-startup-'));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  function render(cacheDir: string, extra?: string): string {
    return renderWorkerStartupScript({
      image: 'europe-docker.pkg.dev/p/iris/iris-worker:1',
      controllerAddress: 'http://10.0.0.2:10000',
      token: "s3cret-'token",
      cacheDir,
      env: { HF_HOME: '/cache/hf' },
      attributes: { 'iris-group': 'tpu' },
      ...(extra !== undefined ? { extra } : {}),
    });
  }

  it('runs the worker container with TPU devices, host networking and metadata-derived attributes', async () => {
    const bin = join(dir, 'bin');
    const dev = join(dir, 'dev');
    const config = join(dir, 'etc');
    const cache = join(dir, 'cache');
    const argvLog = join(dir, 'docker-argv');
    mkdirSync(bin);
    mkdirSync(join(dev, 'vfio'), { recursive: true });
    for (const n of [0, 1, 2, 3]) writeFileSync(join(dev, `accel${n}`), '');
    // The fake docker records each invocation's argv, one argument per line, calls separated.
    writeFileSync(join(bin, 'docker'), `#!/usr/bin/env bash\n{ printf '%s\\n' "$@"; echo ---; } >> ${JSON.stringify(argvLog)}\n`);
    chmodSync(join(bin, 'docker'), 0o755);
    const scriptPath = join(dir, 'startup.sh');
    writeFileSync(scriptPath, render(cache, `echo extra-setup-ran > ${JSON.stringify(join(dir, 'extra'))}`));

    const { stdout } = await run('bash', [scriptPath], {
      env: {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        IRIS_METADATA_URL: metadataUrl,
        IRIS_DEV_DIR: dev,
        IRIS_CONFIG_DIR: config,
      },
    });
    expect(stdout.match(/\[iris-init\] Phase: \w+/g)).toEqual([
      '[iris-init] Phase: prerequisites',
      '[iris-init] Phase: docker_pull',
      '[iris-init] Phase: worker_start',
      '[iris-init] Phase: registration',
    ]);
    expect(stdout).not.toContain('s3cret');
    expect(readFileSync(join(dir, 'extra'), 'utf8').trim()).toBe('extra-setup-ran');

    const calls = readFileSync(argvLog, 'utf8')
      .split('---\n')
      .filter((c) => c !== '')
      .map((c) => c.trimEnd().split('\n'));
    expect(calls[0]).toEqual(['pull', 'europe-docker.pkg.dev/p/iris/iris-worker:1']);
    expect(calls[1]).toEqual(['rm', '-f', 'iris-worker']);
    const runArgs = calls[2]!;
    expect(runArgs.slice(0, 4)).toEqual(['run', '-d', '--name', 'iris-worker']);
    expect(runArgs.join(' ')).toContain('--network host');
    for (const n of [0, 1, 2, 3]) expect(runArgs).toContain(`${join(dev, `accel${n}`)}:/dev/accel${n}`);
    expect(runArgs).toContain(`${join(dev, 'vfio')}:/dev/vfio`);
    expect(runArgs).toContain(`${cache}:${cache}`);
    expect(runArgs.slice(-8)).toEqual([
      'europe-docker.pkg.dev/p/iris/iris-worker:1',
      'worker',
      '--controller',
      'http://10.0.0.2:10000',
      '--worker-id',
      'demo-tpu-abc-w-2',
      '--work-dir',
      cache,
    ]);
    // The token is nowhere on a command line.
    expect(runArgs.join(' ')).not.toContain('s3cret');

    const envFile = join(config, 'worker.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      IRIS_CONTROLLER: 'http://10.0.0.2:10000',
      IRIS_JOIN_TOKEN: "s3cret-'token",
      IRIS_VM_ADDRESS: '10.0.0.7',
      IRIS_PREEMPTIBLE: 'true',
      TPU_NAME: 'demo-tpu-abc',
      TPU_WORKER_ID: '2',
      TPU_ACCELERATOR_TYPE: 'v5litepod-16',
      TPU_TOPOLOGY: '4x4',
      TPU_WORKER_HOSTNAMES: '10.0.0.5,10.0.0.6,10.0.0.7,10.0.0.8',
      IRIS_WORKER_ATTRIBUTES: 'tpu-name=demo-tpu-abc,tpu-worker-id=2,tpu-topology=4x4,preemptible=true,iris-group=tpu',
      HF_HOME: '/cache/hf',
    });
  });

  it('fails early, naming the setting, when the image is missing', async () => {
    const template = readScriptTemplate(WORKER_SCRIPT_TEMPLATE);
    const path = join(dir, 'bare.sh');
    writeFileSync(path, template);
    await expect(run('bash', [path], { env: { PATH: process.env.PATH ?? '' } })).rejects.toMatchObject({
      stderr: expect.stringContaining('IRIS_WORKER_IMAGE (bootstrap.docker_image) must be set'),
    });
  });

  it('passes shellcheck, as checked in and as rendered', async () => {
    const paths = {
      template: join(dir, 'template.sh'),
      worker: join(dir, 'worker.sh'),
      controller: join(dir, 'controller.sh'),
    };
    writeFileSync(paths.template, readScriptTemplate(WORKER_SCRIPT_TEMPLATE));
    writeFileSync(paths.worker, render('/var/cache/iris', 'apt-get install -y htop'));
    writeFileSync(paths.controller, renderControllerStartupScript({ image: 'img:1', port: 10000, stateMount: '/mnt/disks/iris-state' }));
    const { stdout } = await run('shellcheck', ['--shell=bash', ...Object.values(paths)]);
    expect(stdout).toBe('');
  });
});
