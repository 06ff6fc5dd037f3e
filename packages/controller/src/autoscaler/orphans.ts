import {
  LABEL_GROUP,
  LABEL_REQUEST,
  LABEL_ROLE,
  LABEL_SLICE,
  clusterLabels,
  sanitizeLabelValue,
  type Clock,
  type Platform,
  type VmInfo,
  formatElapsed,
} from '@iris/core';
import type { ActionLog } from './action-log.js';
import type { ScalingGroup } from './scaling-group.js';
import { groupZones } from './zones.js';

export interface OrphanReport {
  readonly vmId: string;
  readonly zone?: string;
  readonly group?: string;
  readonly ageMs: number;
  /** terminated; would_terminate (dry run); too_young (kept until orphanMinAgeMs); failed. */
  readonly outcome: 'terminated' | 'would_terminate' | 'too_young' | 'failed';
}

export interface SweepParts {
  readonly clusterName: string;
  readonly clock: Clock;
  readonly groups: readonly ScalingGroup[];
  readonly platforms: ReadonlyMap<string, Platform>;
  readonly actionLog: ActionLog;
}

/**
 * Finds worker VMs carrying this cluster's label that no group accounts for (their group left the
 * config, or their slice is unknown to it) and stops them. Listing is zone-scoped: each platform is
 * asked about exactly the zones its groups name. The controller's own VM is never touched.
 */
export async function sweepOrphans(parts: SweepParts, options: { orphanMinAgeMs: number; dryRun: boolean }): Promise<OrphanReport[]> {
  const groupsByLabel = new Map(parts.groups.map((g) => [sanitizeLabelValue(g.name), g]));
  const known = new Map(
    parts.groups.map((g) => [
      g.name,
      { slices: new Set(g.trackedSlices().flatMap((s) => (s.sliceId === undefined ? [] : [s.sliceId]))), requests: g.knownRequestIds() },
    ]),
  );
  const zonesByPlatform = new Map<Platform, Set<string | undefined>>();
  for (const g of parts.groups) {
    const platform = parts.platforms.get(g.name);
    if (!platform) continue;
    const zones = zonesByPlatform.get(platform) ?? new Set<string | undefined>();
    const gz = groupZones(g.config);
    if (gz.length === 0) zones.add(undefined);
    for (const z of gz) zones.add(z);
    zonesByPlatform.set(platform, zones);
  }
  const now = parts.clock.now();
  const reports: OrphanReport[] = [];
  for (const [platform, zones] of zonesByPlatform) {
    for (const zone of zones) {
      const vms = await platform.listVms({ ...(zone === undefined ? {} : { zone }), labels: clusterLabels(parts.clusterName) });
      const orphans = vms.filter((vm) => isOrphan(vm, groupsByLabel, known));
      for (const vm of orphans) {
        const ageMs = now - vm.createdAtMs;
        const base = {
          vmId: vm.vmId,
          ...(vm.zone === undefined ? {} : { zone: vm.zone }),
          ...(vm.labels[LABEL_GROUP] ? { group: vm.labels[LABEL_GROUP] } : {}),
          ageMs,
        };
        if (ageMs < options.orphanMinAgeMs) {
          reports.push({ ...base, outcome: 'too_young' });
        } else if (options.dryRun) {
          reports.push({ ...base, outcome: 'would_terminate' });
        } else {
          try {
            await platform.stopVms([vm.vmId], vm.zone ?? zone);
            reports.push({ ...base, outcome: 'terminated' });
            parts.actionLog.record(
              now,
              'orphan_terminate',
              base.group ?? '-',
              `labelled VM ${vm.vmId} belongs to no known slice (age ${formatElapsed(ageMs)})`,
            );
          } catch {
            reports.push({ ...base, outcome: 'failed' });
          }
        }
      }
    }
  }
  return reports;
}

function isOrphan(
  vm: VmInfo,
  groupsByLabel: ReadonlyMap<string, ScalingGroup>,
  known: ReadonlyMap<string, { slices: Set<string>; requests: Set<string> }>,
): boolean {
  if (vm.labels[LABEL_ROLE] === 'controller') return false;
  if (vm.state === 'terminated' || vm.state === 'terminating') return false;
  const groupLabel = vm.labels[LABEL_GROUP];
  const group = groupLabel === undefined ? undefined : groupsByLabel.get(groupLabel);
  if (!group) return true;
  const k = known.get(group.name);
  if (!k) return true;
  const slice = vm.labels[LABEL_SLICE];
  const request = vm.labels[LABEL_REQUEST];
  if (slice === undefined && request === undefined) return false; // cannot tell; never kill on a guess
  return !((slice !== undefined && k.slices.has(slice)) || (request !== undefined && k.requests.has(request)));
}
