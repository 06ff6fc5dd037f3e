import type { InstanceTypeOffering, Platform, ScaleGroupConfig } from '@iris/core';
import { createPlatforms } from '@iris/controller';
import { resolveClusterTarget } from '../cluster/cluster-target.js';
import type { CliIo } from '../context.js';
import { formatTable } from '../output/table.js';

/** One row: an offering of a provider, or (providers that list none) a group's own machines. */
export interface OfferingRow {
  readonly provider: string;
  readonly type: string;
  readonly accelerator: string;
  readonly zones: readonly string[];
  readonly vcpus?: number;
  readonly memoryBytes?: number;
  readonly pricePerHour?: number;
  readonly preemptiblePricePerHour?: number;
  readonly available: boolean | 'unknown';
  /** Groups of the file this offering serves. */
  readonly groups: readonly string[];
  /** How the row was found: the provider's listing, or the group's config (fixed or local machines). */
  readonly source: 'provider' | 'group';
}

export interface OfferingsReport {
  readonly offerings: readonly OfferingRow[];
  /** Providers whose listing failed, with the provider's message. */
  readonly errors: readonly { provider: string; groups: readonly string[]; message: string }[];
}

function zonesOf(group: ScaleGroupConfig): string[] {
  const { zones, zone } = group.provider as { zones?: unknown; zone?: unknown };
  if (Array.isArray(zones)) return zones.filter((z): z is string => typeof z === 'string');
  return typeof zone === 'string' ? [zone] : [];
}

/** A listed offering serves a group of its accelerator variant in one of the group's zones. */
function matches(offering: InstanceTypeOffering, group: ScaleGroupConfig): boolean {
  if (offering.name !== group.accelerator_variant && offering.name !== `${group.accelerator_type}:${group.accelerator_variant}`) return false;
  const zones = zonesOf(group);
  return zones.length === 0 || offering.zones.some((z) => zones.includes(z));
}

/** What each provider of the cluster file can create, and which of the file's groups match each offering. */
export async function collectOfferings(file: string | undefined, io: CliIo): Promise<OfferingsReport> {
  const target = await resolveClusterTarget(file, io);
  const { config, registry } = target.cluster;
  const platforms = await createPlatforms(config, registry, target.deps);
  const groupsOf = new Map<Platform, ScaleGroupConfig[]>();
  for (const group of Object.values(config.scale_groups)) {
    const p = platforms.byGroup.get(group.name)!;
    groupsOf.set(p, [...(groupsOf.get(p) ?? []), group]);
  }
  const rows: OfferingRow[] = [];
  const errors: { provider: string; groups: string[]; message: string }[] = [];
  try {
    for (const [platform, groups] of groupsOf) {
      let listed: InstanceTypeOffering[] | undefined;
      if (platform.listInstanceTypes) {
        try {
          listed = await platform.listInstanceTypes();
        } catch (err) {
          errors.push({ provider: platform.type, groups: groups.map((g) => g.name), message: (err as Error).message });
        }
      }
      const served = new Set<string>();
      for (const o of listed ?? []) {
        const matching = groups.filter((g) => matches(o, g));
        for (const g of matching) served.add(g.name);
        const sample = matching[0];
        rows.push({
          provider: platform.type,
          type: o.name,
          accelerator: o.accelerator,
          zones: o.zones,
          ...(o.vcpus !== undefined ? { vcpus: o.vcpus } : sample ? { vcpus: sample.resources.cpu } : {}),
          ...(o.memoryBytes !== undefined ? { memoryBytes: o.memoryBytes } : sample ? { memoryBytes: sample.resources.ram } : {}),
          ...(o.pricePerHour === undefined ? {} : { pricePerHour: o.pricePerHour }),
          ...(o.preemptiblePricePerHour === undefined ? {} : { preemptiblePricePerHour: o.preemptiblePricePerHour }),
          available: o.available,
          groups: matching.map((g) => g.name),
          source: 'provider',
        });
      }
      // Fixed or local machines (and groups no listed offering serves): the group says what it is.
      for (const g of groups) {
        if (served.has(g.name)) continue;
        let price: number | undefined;
        try {
          price = platform.estimateCost?.(g, 1) ?? g.cost_per_hour;
        } catch {
          price = g.cost_per_hour;
        }
        rows.push({
          provider: platform.type,
          type: g.accelerator_variant || g.accelerator_type,
          accelerator: g.accelerator_type,
          zones: zonesOf(g),
          vcpus: g.resources.cpu,
          memoryBytes: g.resources.ram,
          ...(price === undefined ? {} : g.preemptible ? { preemptiblePricePerHour: price } : { pricePerHour: price }),
          available: listed === undefined ? 'unknown' : false,
          groups: [g.name],
          source: 'group',
        });
      }
    }
  } finally {
    await Promise.all(platforms.all.map((p) => p.close?.()));
  }
  return { offerings: rows, errors };
}

export async function offerings(options: { file?: string; json: boolean }, io: CliIo): Promise<void> {
  const { formatSize } = await import('@iris/core');
  const report = await collectOfferings(options.file, io);
  if (options.json) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const money = (n: number | undefined): string => (n === undefined ? '-' : `$${n.toFixed(2)}`);
  io.out(
    formatTable(
      ['PROVIDER', 'TYPE', 'ACCELERATOR', 'ZONES', 'VCPU', 'MEMORY', 'ON-DEMAND/H', 'PREEMPTIBLE/H', 'AVAILABLE', 'GROUPS'],
      report.offerings.map((o) => [
        o.provider,
        o.type,
        o.accelerator,
        o.zones.join(',') || '-',
        o.vcpus === undefined ? '-' : String(o.vcpus),
        o.memoryBytes === undefined ? '-' : formatSize(o.memoryBytes),
        money(o.pricePerHour),
        money(o.preemptiblePricePerHour),
        o.available === 'unknown' ? (o.source === 'group' ? 'as configured' : '?') : o.available ? 'yes' : 'no',
        o.groups.join(',') || '-',
      ]),
    ),
  );
  for (const e of report.errors) io.err(`${e.provider} (groups ${e.groups.join(', ')}): could not list offerings: ${e.message}\n`);
}
