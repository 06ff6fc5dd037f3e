// Jobs: the parent/child tree, filtered by state and name, sorted, paged on the server.
import { get } from '../api.js';
import { badge, duration, h, jobHref, link, reason, swap, table, time } from '../dom.js';

const STATES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'KILLED', 'WORKER_FAILED', 'UNSCHEDULABLE'];
const PAGE_SIZES = [50, 100, 200, 500];

export function mount(container, { params }) {
  const q = {
    name: params.name ?? '',
    state: params.state ?? '',
    sort: params.sort ?? 'submitted',
    order: params.order ?? 'desc',
    offset: Number(params.offset ?? 0),
    limit: Number(params.limit ?? 100),
  };
  const results = h('div', { id: 'jobs-results' });
  const status = h('p', { class: 'muted', role: 'status' });
  let debounce;
  const changed = () => {
    q.offset = 0;
    history.replaceState(null, '', `#/jobs?${new URLSearchParams(Object.entries(q).filter(([, v]) => v !== '' && v !== 0)).toString()}`);
    api.refresh();
  };
  const nameInput = h('input', {
    type: 'search',
    id: 'jobs-name',
    value: q.name,
    placeholder: 'part of a job name',
    oninput: (e) => {
      q.name = e.target.value;
      clearTimeout(debounce);
      debounce = setTimeout(changed, 250);
    },
  });
  const stateSelect = h(
    'select',
    {
      id: 'jobs-state',
      onchange: (e) => {
        q.state = e.target.value;
        changed();
      },
    },
    h('option', { value: '' }, 'any state'),
    STATES.map((s) => h('option', { value: s, selected: q.state === s }, s.toLowerCase().replaceAll('_', ' '))),
  );
  const sortSelect = h(
    'select',
    {
      id: 'jobs-sort',
      onchange: (e) => {
        q.sort = e.target.value;
        changed();
      },
    },
    [
      ['submitted', 'submitted'],
      ['name', 'name'],
      ['state', 'state'],
    ].map(([v, t]) => h('option', { value: v, selected: q.sort === v }, t)),
  );
  const orderSelect = h(
    'select',
    {
      id: 'jobs-order',
      onchange: (e) => {
        q.order = e.target.value;
        changed();
      },
    },
    h('option', { value: 'desc', selected: q.order === 'desc' }, 'descending'),
    h('option', { value: 'asc', selected: q.order === 'asc' }, 'ascending'),
  );
  const sizeSelect = h(
    'select',
    {
      id: 'jobs-limit',
      onchange: (e) => {
        q.limit = Number(e.target.value);
        changed();
      },
    },
    PAGE_SIZES.map((n) => h('option', { value: n, selected: q.limit === n }, `${n} rows`)),
  );
  container.append(
    h('h1', {}, 'Jobs'),
    h(
      'form',
      { class: 'controls', role: 'search', onsubmit: (e) => e.preventDefault() },
      h('label', { for: 'jobs-name' }, 'Name', nameInput),
      h('label', { for: 'jobs-state' }, 'State', stateSelect),
      h('label', { for: 'jobs-sort' }, 'Sort by', sortSelect),
      h('label', { for: 'jobs-order' }, 'Order', orderSelect),
      h('label', { for: 'jobs-limit' }, 'Page', sizeSelect),
    ),
    status,
    results,
  );
  const api = {
    title: 'Jobs',
    async refresh() {
      const params = new URLSearchParams({ sort: q.sort, order: q.order, offset: String(q.offset), limit: String(q.limit) });
      if (q.name) params.set('name', q.name);
      if (q.state) params.set('state', q.state);
      const page = await get(`/job-tree?${params}`);
      const last = Math.min(page.offset + page.items.length, page.total);
      status.textContent = page.total === 0 ? 'No jobs match.' : `Jobs ${page.offset + 1}–${last} of ${page.total} rows`;
      const prev = h(
        'button',
        {
          type: 'button',
          'data-key': 'prev',
          disabled: q.offset === 0,
          onclick: () => {
            q.offset = Math.max(0, q.offset - q.limit);
            api.refresh();
          },
        },
        '← Previous',
      );
      const next = h(
        'button',
        {
          type: 'button',
          'data-key': 'next',
          disabled: last >= page.total,
          onclick: () => {
            q.offset += q.limit;
            api.refresh();
          },
        },
        'Next →',
      );
      swap(
        results,
        table(
          ['Job', 'State', { text: 'Tasks done', class: 'num' }, 'Submitted', 'Ran for', 'Why'],
          page.items.map((j) => {
            const done = j.task_counts.SUCCEEDED;
            return h(
              'tr',
              { 'data-job': j.name, class: `depth-${Math.min(j.depth, 4)}${j.matched ? '' : ' muted'}` },
              h(
                'td',
                {},
                h('span', { class: 'tree', 'aria-hidden': 'true' }, j.depth ? `${'  '.repeat(j.depth - 1)}└ ` : ''),
                link(jobHref(j.name), j.name),
                j.children ? h('span', { class: 'muted' }, ` (${j.children} child${j.children === 1 ? '' : 'ren'})`) : '',
              ),
              h('td', {}, badge(j.state)),
              h('td', { class: 'num' }, `${done} / ${j.replicas}`),
              h('td', {}, time(j.submitted_at_ms)),
              // From the first task's start, not from submission: time in the queue is not run time.
              h(
                'td',
                {},
                j.started_at_ms ? duration(j.started_at_ms, j.finished_at_ms) : h('span', { class: 'muted' }, j.finished_at_ms ? 'never ran' : 'not started'),
              ),
              h('td', { class: j.error ? 'error-text' : 'muted' }, reason(j.error ?? j.pending_reason)),
            );
          }),
          { id: 'jobs-table', 'data-loaded': 'true', 'data-total': page.total },
        ),
        h('div', { class: 'pager' }, prev, next),
      );
    },
  };
  return api;
}
