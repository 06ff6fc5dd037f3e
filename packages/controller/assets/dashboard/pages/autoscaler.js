// Autoscaler: each group's state and why, its slices and VMs (raw provider states), the last
// routing decision with unmet demand, why pending demand waits, and the action log.
import { get, getOptional } from '../api.js';
import { ago, badge, h, kv, reason, span, swap, table, time } from '../dom.js';
import { actionsTable } from './overview.js';

export function mount(container) {
  const body = h('div');
  container.append(h('h1', {}, 'Autoscaler'), body);
  return {
    title: 'Autoscaler',
    async refresh() {
      const status = await getOptional('/autoscaler');
      if (!status) {
        swap(body, h('p', { class: 'notice' }, 'This controller runs no autoscaler: it was started without a cluster file.'));
        return;
      }
      const explain = await get('/autoscaler/explain');
      const why = new Map(explain.groups.map((g) => [g.name, g.why]));
      const now = status.atMs;
      const until = (ms) => (ms && ms > now ? `for ${span(ms - now)} more` : undefined);
      swap(
        body,
        h('h2', {}, 'Scale groups'),
        h(
          'div',
          { class: 'layout-2', id: 'groups' },
          status.groups.map((g) =>
            h(
              'section',
              { class: 'card', 'data-group': g.name, 'aria-label': `group ${g.name}` },
              h('h2', {}, g.name, ' ', badge(g.availability)),
              kv([
                ['state', `${g.availability.replaceAll('_', ' ')}${g.availabilityDetail ? `: ${reason(g.availabilityDetail)}` : ''}`],
                ['provider', g.providerType],
                ['slices', `${g.counts.total} (min ${g.minSlices}, max ${g.maxSlices}; ${g.sliceSize} VM${g.sliceSize === 1 ? '' : 's'} each)`],
                [
                  'by state',
                  `${g.counts.ready} ready, ${g.counts.idle} idle, ${g.counts.booting} booting, ${g.counts.initializing} initializing, ${g.counts.requesting} requesting, ${g.counts.terminating} terminating`,
                ],
                ['demand routed here', g.demand],
                ['last decision', h('span', { class: 'decision' }, reason(g.lastDecision))],
                [
                  'why',
                  (why.get(g.name) ?? []).length
                    ? h(
                        'ul',
                        {},
                        why.get(g.name).map((w) => h('li', {}, reason(w))),
                      )
                    : undefined,
                ],
                ['failures in a row', g.consecutiveFailures || undefined],
                ['backoff', until(g.backoffUntilMs)],
                ['quota exhausted', until(g.quotaUntilMs)],
                ['rate limited', until(g.rateLimitedUntilMs)],
                ['stocked out', g.stockouts.length ? g.stockouts.map((s) => `${s.zone} ${until(s.untilMs) ?? ''}`).join(', ') : undefined],
                ['unavailable', g.unavailableReason ? reason(g.unavailableReason) : undefined],
                ['last scale up', g.lastScaleUpMs ? ago(g.lastScaleUpMs, now) : undefined],
                ['last scale down', g.lastScaleDownMs ? ago(g.lastScaleDownMs, now) : undefined],
              ]),
              g.slices.length
                ? table(
                    ['Slice', 'State (raw)', 'Zone', 'Created', 'VMs'],
                    g.slices.map((s) =>
                      h(
                        'tr',
                        {},
                        h('td', { class: 'mono' }, s.sliceId),
                        h('td', {}, badge(s.state), s.rawState ? h('span', { class: 'mono muted' }, ` ${s.rawState}`) : ''),
                        h('td', {}, s.zone ?? ''),
                        h('td', {}, ago(s.createdAtMs, now)),
                        h(
                          'td',
                          {},
                          s.vms.map((vm) =>
                            h(
                              'div',
                              { class: 'mono' },
                              `${vm.vmId} `,
                              badge(vm.state),
                              ` ${vm.rawState ?? ''} ${vm.address}${vm.initPhase ? ` (${vm.initPhase})` : ''}`,
                            ),
                          ),
                        ),
                      ),
                    ),
                  )
                : h('p', { class: 'muted' }, 'no slices'),
            ),
          ),
        ),
        h('h2', {}, 'Last routing decision'),
        status.lastRouting
          ? h(
              'section',
              { class: 'card', id: 'routing' },
              kv([
                ['at', time(status.lastRouting.atMs)],
                ['pending demand', `${status.lastRouting.totalEntries} entries, ${status.lastRouting.unmetEntries} unmet`],
                [
                  'routed',
                  Object.entries(status.lastRouting.demandByGroup)
                    .map(([g, n]) => `${g}: ${n}`)
                    .join(', ') || 'nothing',
                ],
                ['creates in flight', status.createsInFlight],
              ]),
              status.lastRouting.unmet.length
                ? table(
                    ['Unmet because', { text: 'Entries', class: 'num' }, 'Examples'],
                    status.lastRouting.unmet.map((u) =>
                      h(
                        'tr',
                        {},
                        h('td', {}, reason(u.reason.message)),
                        h('td', { class: 'num' }, u.count),
                        h('td', { class: 'mono' }, u.sampleEntryIds.slice(0, 3).join(', ')),
                      ),
                    ),
                  )
                : h('p', { class: 'muted' }, 'all pending demand was routed to a group'),
            )
          : h('p', { class: 'muted' }, 'no evaluation yet'),
        h('h2', {}, 'Why pending work waits'),
        explain.demand.length
          ? table(
              ['Tasks', 'Outcome', 'Group', 'Reason'],
              explain.demand.map((d) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'mono' }, `${d.entryIds.slice(0, 3).join(', ')}${d.entryIds.length > 3 ? ` +${d.entryIds.length - 3}` : ''}`),
                  h('td', {}, badge(d.outcome)),
                  h('td', {}, d.group ?? ''),
                  h('td', {}, reason(d.reason)),
                ),
              ),
              { id: 'demand' },
            )
          : h('p', { class: 'muted' }, 'no pending demand'),
        h('h2', {}, 'Action log'),
        actionsTable([...status.recentActions].reverse()),
      );
    },
  };
}
