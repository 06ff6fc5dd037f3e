// Workers: attributes, resources used and free, running tasks, last contact, slice and group.
import { get, getOptional } from '../api.js';
import { ago, badge, bytes, h, jobHref, link, swap, table } from '../dom.js';

const TASKS_SHOWN_PER_WORKER = 5;

export function mount(container) {
  const body = h('div');
  container.append(h('h1', {}, 'Workers'), body);
  return {
    title: 'Workers',
    async refresh() {
      const [workers, scaler, active] = await Promise.all([get('/workers?limit=1000'), getOptional('/autoscaler'), get('/tasks?limit=10000')]);
      const tasksByWorker = new Map();
      for (const t of active.items) {
        if (!tasksByWorker.has(t.worker_id)) tasksByWorker.set(t.worker_id, []);
        tasksByWorker.get(t.worker_id).push(t);
      }
      // A worker's id is its VM's id, which is how the autoscaler matches workers to slices.
      const placement = new Map();
      for (const g of scaler?.groups ?? []) for (const s of g.slices) for (const vm of s.vms) placement.set(vm.vmId, { group: g.name, slice: s.sliceId });
      if (workers.items.length === 0) {
        swap(body, h('p', { class: 'muted' }, 'No worker has registered. Scale groups create workers when jobs need them.'));
        return;
      }
      const now = Date.now();
      swap(
        body,
        table(
          [
            'Worker',
            'Group / slice',
            'Health',
            'Last contact',
            'Running tasks',
            'CPU used / total',
            'Memory used / total',
            'Disk used / total',
            'Accelerators',
            'Attributes',
          ],
          workers.items.map((w) => {
            const p = placement.get(w.worker_id);
            return h(
              'tr',
              { 'data-worker': w.worker_id },
              h('td', {}, h('div', { class: 'mono' }, w.worker_id), h('div', { class: 'muted' }, w.address)),
              h('td', {}, p ? [h('div', {}, p.group), h('div', { class: 'mono muted' }, p.slice)] : h('span', { class: 'muted' }, 'not in a scale group')),
              h('td', {}, badge(w.healthy ? 'healthy' : 'unhealthy')),
              h('td', {}, ago(w.last_seen_ms, now)),
              h('td', {}, runningTasks(w, tasksByWorker.get(w.worker_id) ?? [])),
              h('td', {}, `${w.committed.cpu} / ${w.resources.cpu} (${w.resources.cpu - w.committed.cpu} free)`),
              h('td', {}, `${bytes(w.committed.memory_bytes)} / ${bytes(w.resources.memory_bytes)}`),
              h('td', {}, `${bytes(w.committed.disk_bytes)} / ${bytes(w.resources.disk_bytes)}`),
              h(
                'td',
                {},
                w.accelerators.length
                  ? w.accelerators.map((a) => `${a.count}× ${a.type} ${a.variant}`).join(', ') + ` (${w.committed.accelerator_count} used)`
                  : '—',
              ),
              h(
                'td',
                { class: 'mono' },
                Object.entries(w.attributes).map(([k, v]) => h('div', {}, `${k}=${v}`)),
              ),
            );
          }),
          { id: 'workers-table' },
        ),
      );
    },
  };
}

function runningTasks(worker, tasks) {
  if (tasks.length === 0) return h('span', { class: 'muted' }, worker.running_tasks ? String(worker.running_tasks) : 'none');
  const shown = tasks.slice(0, TASKS_SHOWN_PER_WORKER);
  return h(
    'div',
    {},
    shown.map((t) => h('div', {}, link(jobHref(t.job), t.task_id, { class: 'mono' }), ' ', badge(t.state))),
    tasks.length > shown.length ? h('div', { class: 'muted' }, `+${tasks.length - shown.length} more`) : '',
  );
}
