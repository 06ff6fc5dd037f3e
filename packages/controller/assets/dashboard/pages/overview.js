// Overview: controller health, workers and tasks by state, groups against min/max, cost, recent actions.
import { get, getOptional, health } from '../api.js';
import { ago, badge, clock, h, kv, reason, swap, table, time, zoneLabel } from '../dom.js';

export function mount(container) {
  const body = h('div');
  container.append(h('h1', {}, 'Overview'), body);
  return {
    title: 'Overview',
    /** The controller card never keeps a green badge for a controller that stopped answering. */
    unreachable(sinceMs) {
      const card = body.querySelector('#controller-card');
      if (!card) {
        swap(
          body,
          h(
            'section',
            { class: 'card', id: 'controller-card' },
            h('h2', {}, 'Controller'),
            h('div', { class: 'big' }, badge('unreachable')),
            h('p', {}, `not answering since ${clock(sinceMs)} ${zoneLabel()}`),
          ),
        );
        return;
      }
      swap(
        card,
        h('h2', {}, 'Controller'),
        h('div', { class: 'big' }, badge('unreachable')),
        h('p', { id: 'controller-since' }, `not answering since ${clock(sinceMs)} ${zoneLabel()}`),
      );
    },
    async refresh() {
      const [hl, workers, tree, scaler, config] = await Promise.all([
        health(),
        get('/workers?limit=1000'),
        get('/job-tree?limit=1'),
        getOptional('/autoscaler'),
        getOptional('/config'),
      ]);
      const healthy = workers.items.filter((w) => w.healthy).length;
      const costByGroup = new Map((config?.groups ?? []).map((g) => [g.name, g.cost_per_slice_hour]));
      let cost;
      for (const g of scaler?.groups ?? []) {
        const per = costByGroup.get(g.name);
        if (typeof per === 'number') cost = (cost ?? 0) + per * g.counts.total;
      }
      const nonZero = (counts) => Object.entries(counts).filter(([, n]) => n > 0);
      swap(
        body,
        h(
          'div',
          { class: 'cards' },
          h(
            'section',
            { class: 'card', id: 'controller-card' },
            h('h2', {}, 'Controller'),
            h('div', { class: 'big' }, badge(hl.status === 'ok' ? 'healthy' : 'unhealthy')),
            kv([
              ['jobs', hl.jobs],
              ['workers', hl.workers],
            ]),
          ),
          h(
            'section',
            { class: 'card' },
            h('h2', {}, 'Workers'),
            h('div', { class: 'big' }, `${healthy} / ${workers.items.length}`),
            kv([
              ['healthy', healthy],
              ['unhealthy', workers.items.length - healthy],
            ]),
          ),
          h(
            'section',
            { class: 'card', id: 'job-states' },
            h('h2', {}, 'Jobs by state'),
            nonZero(tree.counts).length ? kv(nonZero(tree.counts).map(([s, n]) => [badge(s), n])) : h('p', { class: 'muted' }, 'no jobs yet'),
          ),
          h(
            'section',
            { class: 'card', id: 'task-states' },
            h('h2', {}, 'Tasks by state'),
            nonZero(tree.task_counts).length ? kv(nonZero(tree.task_counts).map(([s, n]) => [badge(s), n])) : h('p', { class: 'muted' }, 'no tasks yet'),
          ),
          h(
            'section',
            { class: 'card' },
            h('h2', {}, 'Cost per hour'),
            h('div', { class: 'big' }, cost === undefined ? '—' : `$${cost.toFixed(2)}`),
            h(
              'p',
              { class: 'muted' },
              cost === undefined ? 'no provider of this cluster prices its groups' : 'running slices, at the providers\u2019 list prices',
            ),
          ),
        ),
        h('h2', {}, 'Scale groups'),
        scaler
          ? table(
              [
                'Group',
                'Provider',
                'State',
                { text: 'Ready', class: 'num' },
                { text: 'Booting', class: 'num' },
                { text: 'Requesting', class: 'num' },
                { text: 'Failed (in a row)', class: 'num' },
                { text: 'Min / max', class: 'num' },
              ],
              scaler.groups.map((g) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('a', { href: `#/autoscaler`, 'data-key': `g-${g.name}` }, g.name)),
                  h('td', {}, g.providerType),
                  h('td', {}, badge(g.availability)),
                  h('td', { class: 'num' }, g.counts.ready),
                  h('td', { class: 'num' }, g.counts.booting + g.counts.initializing),
                  h('td', { class: 'num' }, g.counts.requesting),
                  h('td', { class: 'num' }, g.consecutiveFailures),
                  h('td', { class: 'num' }, `${g.counts.total} of ${g.minSlices}–${g.maxSlices}`),
                ),
              ),
            )
          : h('p', { class: 'muted' }, 'This controller runs no autoscaler (it was started without a cluster file).'),
        h('h2', {}, 'Recent autoscaler actions'),
        actionsTable((scaler?.recentActions ?? []).slice(-10).reverse()),
      );
    },
  };
}

export function actionsTable(actions) {
  if (actions.length === 0) return h('p', { class: 'muted' }, 'no actions yet');
  return table(
    ['When', 'Group', 'Action', 'Slice', 'Reason'],
    actions.map((a) =>
      h(
        'tr',
        {},
        h('td', { title: ago(a.atMs) }, time(a.atMs)),
        h('td', {}, a.group),
        h('td', {}, badge(a.type)),
        h('td', { class: 'mono' }, a.sliceId ?? ''),
        h('td', {}, reason(a.reason)),
      ),
    ),
    { class: 'actions' },
  );
}
