import type { GoogleErrorReply } from './http-json.js';

/** Errors the emulator can be told to inject, shaped like the real API's. */
export type FaultKind = 'quota' | 'stockout' | 'rate_limited' | 'unavailable' | 'internal' | 'permission_denied' | 'invalid_argument';

export function faultReply(kind: FaultKind, zone: string): GoogleErrorReply {
  switch (kind) {
    case 'quota':
      return {
        httpStatus: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: `Quota limit 'TPUV5sLitepodPerProjectPerZoneForTPUAPI' has been exceeded in zone ${zone}.`,
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'RATE_LIMIT_EXCEEDED',
            domain: 'googleapis.com',
            metadata: { quota_metric: 'tpu.googleapis.com/tpu_v5lite_pod_cores', quota_location: zone },
          },
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [{ subject: `project:emulated`, description: 'TPU v5 lite pod cores per zone' }],
          },
        ],
      };
    case 'stockout':
      return {
        httpStatus: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: `There is no more capacity in the zone "${zone}"; you can try in another zone where Cloud TPU Nodes are offered.`,
      };
    case 'rate_limited':
      return {
        httpStatus: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: 'Too many requests: create rate exceeded.',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com' },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' },
        ],
      };
    case 'unavailable':
      return { httpStatus: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' };
    case 'internal':
      return { httpStatus: 500, status: 'INTERNAL', message: 'Internal error encountered.' };
    case 'permission_denied':
      return { httpStatus: 403, status: 'PERMISSION_DENIED', message: 'Permission tpu.nodes.create denied.' };
    case 'invalid_argument':
      return { httpStatus: 400, status: 'INVALID_ARGUMENT', message: 'Invalid value for field acceleratorType.' };
  }
}

/** A fault scheduled for the next matching call(s). */
export interface ScheduledFault {
  /** Which call fails: a create request itself, the long-running operation it started, a delete or a list request. */
  at: 'request' | 'operation' | 'delete' | 'list';
  kind: FaultKind;
  /** Only calls in this zone; every zone when absent. */
  zone?: string;
  /** How many calls it hits; until cleared when absent. */
  times?: number;
}

export class FaultBook {
  private faults: ScheduledFault[] = [];

  add(fault: ScheduledFault): void {
    this.faults.push({ ...fault });
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault that hits this call, consuming one of its `times`. */
  take(at: ScheduledFault['at'], zone: string): FaultKind | undefined {
    const fault = this.faults.find((f) => f.at === at && (f.zone === undefined || f.zone === zone));
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.faults = this.faults.filter((f) => f !== fault);
    }
    return fault.kind;
  }
}
