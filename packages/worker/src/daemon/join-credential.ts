import { hasErrorCode } from '@iris/core';
import { API_ERROR_CODES, IrisClient, type IrisClientOptions, type WorkerRegisterResponse } from '@iris/core/api';
import type { WorkerApi } from './worker-daemon.js';

/**
 * The worker's API client, holding the credential it calls with. It starts with what the worker
 * was given (a slice's join token, or an operator token); when registration answers with a
 * `worker_token` (the join token was traded for a credential of this worker's own), every later
 * call uses that. A 401 is final (a spent, expired or foreign join token; a revoked credential):
 * `onRefused` receives the controller's reason, and the worker stops instead of retrying forever.
 */
export class CredentialedApi implements WorkerApi {
  private client: IrisClient;
  private credential: string | undefined;
  private refused = false;

  constructor(
    private readonly options: Omit<IrisClientOptions, 'token'> & { token?: string },
    private readonly onRefused: (reason: string) => void,
  ) {
    this.client = new IrisClient(options);
    this.credential = options.token;
  }

  /** What the worker calls with right now (its own credential once registration gave it one). Never logged. */
  get token(): string | undefined {
    return this.credential;
  }

  async registerWorker(...args: Parameters<IrisClient['registerWorker']>): Promise<WorkerRegisterResponse> {
    const res = await this.guard(() => this.client.registerWorker(...args));
    if (res.worker_token) {
      this.client = new IrisClient({ ...this.options, token: res.worker_token });
      this.credential = res.worker_token;
    }
    return res;
  }

  reconcile(...args: Parameters<IrisClient['reconcile']>): ReturnType<IrisClient['reconcile']> {
    return this.guard(() => this.client.reconcile(...args));
  }

  pushLogs(...args: Parameters<IrisClient['pushLogs']>): ReturnType<IrisClient['pushLogs']> {
    return this.guard(() => this.client.pushLogs(...args));
  }

  downloadBundle(...args: Parameters<IrisClient['downloadBundle']>): ReturnType<IrisClient['downloadBundle']> {
    return this.guard(() => this.client.downloadBundle(...args));
  }

  hasOutput(...args: Parameters<IrisClient['hasOutput']>): ReturnType<IrisClient['hasOutput']> {
    return this.guard(() => this.client.hasOutput(...args));
  }

  uploadOutput(...args: Parameters<IrisClient['uploadOutput']>): ReturnType<IrisClient['uploadOutput']> {
    return this.guard(() => this.client.uploadOutput(...args));
  }

  recordOutputs(...args: Parameters<IrisClient['recordOutputs']>): ReturnType<IrisClient['recordOutputs']> {
    return this.guard(() => this.client.recordOutputs(...args));
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (hasErrorCode(err, API_ERROR_CODES.unauthorized) && !this.refused) {
        this.refused = true;
        this.onRefused((err as Error).message);
      }
      throw err;
    }
  }
}
