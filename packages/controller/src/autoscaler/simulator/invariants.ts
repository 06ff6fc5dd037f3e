import { LABEL_REQUEST, LABEL_SLICE } from '@iris/core';
import type { Autoscaler } from '../autoscaler.js';
import type { FakePlatform } from '../testing/fake-platform.js';
import type { TaskModel } from './task-model.js';

/** Every VM the provider holds is tracked by some group (by slice or request id) or is going away. */
export function findLeakedVms(platform: FakePlatform, autoscaler: Autoscaler): string[] {
  const slices = new Set<string>();
  const requests = new Set<string>();
  for (const g of autoscaler.groups()) {
    for (const s of g.trackedSlices()) if (s.sliceId !== undefined) slices.add(s.sliceId);
    for (const r of g.knownRequestIds()) requests.add(r);
  }
  const leaks: string[] = [];
  for (const vm of platform.heldVms()) {
    if (vm.state === 'terminating') continue;
    const slice = vm.labels[LABEL_SLICE];
    const request = vm.labels[LABEL_REQUEST];
    if ((slice !== undefined && slices.has(slice)) || (request !== undefined && requests.has(request))) continue;
    leaks.push(`VM ${vm.vmId} (${vm.state}, slice ${slice ?? '?'}) is held by the provider but unknown to the autoscaler`);
  }
  return leaks;
}

/** Every job has finished, is running, or each of its pending entries has a routing outcome. */
export function findLostJobs(model: TaskModel, autoscaler: Autoscaler): string[] {
  const explained = new Set<string>();
  for (const d of autoscaler.explain().demand) for (const id of d.entryIds) explained.add(id);
  const lost: string[] = [];
  for (const entry of model.demand()) {
    if (!explained.has(entry.id)) lost.push(`pending entry ${entry.id} has no routing outcome (neither routed nor unmet with a reason)`);
  }
  return lost;
}
