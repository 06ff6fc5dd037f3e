import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { ProviderError } from '@iris/core';

/**
 * A byte stream to the VM's SSH port through Identity-Aware Proxy: `gcloud compute
 * start-iap-tunnel --listen-on-stdin`, as OpenSSH's ProxyCommand would use it. The VM needs no
 * external IP; the user needs gcloud and the IAP-secured Tunnel User role.
 */
export function iapSocket(target: { instance: string; port: number; zone: string; project: string }): Duplex {
  const child = spawn(
    'gcloud',
    [
      'compute',
      'start-iap-tunnel',
      target.instance,
      String(target.port),
      '--listen-on-stdin',
      `--zone=${target.zone}`,
      `--project=${target.project}`,
      '--verbosity=warning',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-2_000)));
  const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
  child.on('error', (err) => {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    stream.destroy(
      new ProviderError(
        missing ? 'invalid_request' : 'transient',
        missing
          ? 'gcp: controller.provider.access is iap, which needs gcloud on PATH (https://cloud.google.com/sdk/docs/install); or use access: ssh'
          : `gcp: gcloud compute start-iap-tunnel failed: ${err.message}`,
        { provider: 'gcp', cause: err },
      ),
    );
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null)
      stream.destroy(new ProviderError('transient', `gcp: gcloud compute start-iap-tunnel exited ${code}: ${stderr.trim()}`, { provider: 'gcp' }));
  });
  stream.on('close', () => child.kill());
  return stream;
}
