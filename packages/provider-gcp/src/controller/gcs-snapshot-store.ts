import { ProviderError, type StateSnapshotObject, type StateSnapshotStore } from '@iris/core';
import type { Bucket, Storage } from '@google-cloud/storage';
import { parseApiEndpoint } from '../api/endpoint.js';

export interface GcsSnapshotStoreOptions {
  bucket: string;
  /** Object name prefix of this cluster's snapshots: `<cluster>/`. */
  prefix: string;
  projectId?: string;
  /** The block's `api_endpoint`: a plain-http one (an emulator) is called without credentials. */
  apiEndpoint?: string;
  /** Retries of a failed call (the library's default, 3 with backoff, when absent). */
  maxRetries?: number;
}

/**
 * The controller's database snapshots as objects `gs://<bucket>/<cluster>/controller-<time>.db`,
 * through `@google-cloud/storage` with the credentials the TPU and Compute clients use (Application
 * Default Credentials: the VM's service account). The library is loaded on first use.
 */
export class GcsSnapshotStore implements StateSnapshotStore {
  readonly location: string;
  private bucketHandle: Promise<Bucket> | undefined;

  constructor(private readonly options: GcsSnapshotStoreOptions) {
    this.location = `gs://${options.bucket}/${options.prefix}`;
  }

  async list(): Promise<StateSnapshotObject[]> {
    const bucket = await this.bucket();
    try {
      const [files] = await bucket.getFiles({ prefix: this.options.prefix, autoPaginate: true });
      return files.map((f) => ({
        name: f.name.slice(this.options.prefix.length),
        ...(f.metadata.size !== undefined ? { sizeBytes: Number(f.metadata.size) } : {}),
      }));
    } catch (err) {
      throw gcsError(err, `list ${this.location}`);
    }
  }

  async upload(file: string, name: string): Promise<void> {
    const bucket = await this.bucket();
    try {
      // One multipart request: a snapshot is small, and a resumable session would outlive a failure.
      await bucket.upload(file, { destination: this.options.prefix + name, resumable: false, contentType: 'application/vnd.sqlite3' });
    } catch (err) {
      throw gcsError(err, `upload ${this.location}${name}`);
    }
  }

  async download(name: string, file: string): Promise<void> {
    const bucket = await this.bucket();
    try {
      await bucket.file(this.options.prefix + name).download({ destination: file });
    } catch (err) {
      throw gcsError(err, `download ${this.location}${name}`);
    }
  }

  async delete(name: string): Promise<void> {
    const bucket = await this.bucket();
    try {
      await bucket.file(this.options.prefix + name).delete({ ignoreNotFound: true });
    } catch (err) {
      throw gcsError(err, `delete ${this.location}${name}`);
    }
  }

  private bucket(): Promise<Bucket> {
    this.bucketHandle ??= import('@google-cloud/storage').then(({ Storage: StorageClass }) =>
      new StorageClass(storageOptions(this.options)).bucket(this.options.bucket),
    );
    return this.bucketHandle;
  }
}

/** Google's endpoint with ADC, or the `api_endpoint` override (credentials only over https). */
function storageOptions(options: GcsSnapshotStoreOptions): ConstructorParameters<typeof Storage>[0] {
  const endpoint = parseApiEndpoint(options.apiEndpoint);
  const project = {
    ...(options.projectId !== undefined ? { projectId: options.projectId } : {}),
    ...(options.maxRetries !== undefined ? { retryOptions: { maxRetries: options.maxRetries } } : {}),
  };
  if (!endpoint) return { ...project };
  return {
    ...project,
    apiEndpoint: `${endpoint.protocol}://${endpoint.apiEndpoint}:${endpoint.port}`,
    useAuthWithCustomEndpoint: !endpoint.anonymous,
  };
}

/** A Cloud Storage error (HTTP status on `code`) as a ProviderError naming the object. */
function gcsError(err: unknown, action: string): ProviderError {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as { code?: unknown; message?: unknown };
  const status = Number(e.code);
  const text = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(err);
  const noCredentials = /Could not load the default credentials|Could not refresh access token/i.test(text);
  const kind = noCredentials || status === 401 || status === 403 ? 'auth' : status === 404 ? 'not_found' : 'transient';
  const advice =
    kind === 'auth'
      ? "; give the controller's service account roles/storage.objectAdmin on the bucket"
      : kind === 'not_found'
        ? '; check that the bucket exists (gcloud storage buckets create gs://BUCKET)'
        : '';
  return new ProviderError(kind, `gcp: ${action} failed: ${text}${advice}`, { cause: err, provider: 'gcp' });
}
