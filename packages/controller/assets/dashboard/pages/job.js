// One job: its summary, tasks with every attempt, pending reasons, and live logs (follow, search).
import { get } from '../api.js';
import { badge, duration, h, jobHref, kv, link, swap, table, time } from '../dom.js';

/** Attempts are fetched per task; beyond this many tasks the page shows the task table only. */
const MAX_TASK_DETAILS = 100;
const LOG_WAIT_MS = 10000;
const MAX_LOG_LINES = 20000;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'KILLED', 'WORKER_FAILED', 'UNSCHEDULABLE']);

export function mount(container, { arg: name }) {
  const summary = h('div', { id: 'job-summary' });
  const tasks = h('div', { id: 'job-tasks' });
  const logs = logPanel(name);
  container.append(h('p', {}, link('#/jobs', '← All jobs')), h('h1', {}, 'Job ', h('span', { class: 'mono' }, name)), summary, h('h2', {}, 'Tasks and attempts'), tasks, h('h2', {}, 'Logs'), logs.el);
  return {
    title: name,
    async refresh() {
      const job = await get(`/jobs/${encodeURIComponent(name)}`);
      logs.setLive(!TERMINAL.has(job.state));
      const taskPage = await get(`/jobs/${encodeURIComponent(name)}/tasks?limit=1000`);
      const details = await Promise.all(taskPage.items.slice(0, MAX_TASK_DETAILS).map((t) => get(`/tasks/${encodeURIComponent(t.task_id)}`)));
      swap(
        summary,
        h(
          'div',
          { class: 'card' },
          kv([
            ['state', badge(job.state)],
            ['error', job.error ? h('span', { class: 'error-text', id: 'job-error' }, job.error) : undefined],
            ['waiting because', job.pending_reason ? h('span', { id: 'job-pending' }, job.pending_reason) : undefined],
            ['parent', job.parent ? link(jobHref(job.parent), job.parent) : undefined],
            ['command', h('span', { class: 'mono' }, job.command.join(' '))],
            ['replicas', job.replicas],
            ['resources', `${job.resources.cpu} CPU, ${Math.round(job.resources.memory_bytes / 1048576)} MiB${job.resources.accelerator ? `, ${job.resources.accelerator.count}× ${job.resources.accelerator.type} ${job.resources.accelerator.variant ?? ''}` : ''}`],
            ['submitted', time(job.submitted_at_ms)],
            ['finished', job.finished_at_ms ? time(job.finished_at_ms) : undefined],
            ['duration', duration(job.submitted_at_ms, job.finished_at_ms)],
            ['retries', `${job.max_retries_failure} on failure, ${job.max_retries_preemption} on preemption`],
          ]),
        ),
      );
      const rows = [];
      for (const t of taskPage.items) {
        const d = details.find((x) => x.task_id === t.task_id);
        rows.push(
          h(
            'tr',
            { 'data-task': t.task_id },
            h('td', { class: 'mono' }, t.index),
            h('td', {}, badge(t.state)),
            h('td', { class: 'num' }, t.attempt < 0 ? '—' : t.attempt),
            h('td', { class: 'mono' }, t.worker_id ?? ''),
            h('td', {}, duration(t.started_at_ms, t.finished_at_ms)),
            h('td', { class: 'num' }, t.exit_code ?? ''),
            h('td', { class: t.error ? 'error-text' : 'muted' }, t.error ?? t.pending_reason ?? ''),
          ),
        );
        for (const a of d?.attempts ?? []) {
          rows.push(
            h(
              'tr',
              { class: 'attempt' },
              h('td', { class: 'muted' }, `attempt ${a.attempt}`),
              h('td', {}, badge(a.state)),
              h('td', {}, time(a.created_at_ms)),
              h('td', { class: 'mono' }, a.worker_id),
              h('td', {}, a.started_at_ms ? `${duration(a.started_at_ms, a.finished_at_ms)} (from ${new Date(a.started_at_ms).toLocaleTimeString()})` : a.finished_at_ms ? `${duration(a.created_at_ms, a.finished_at_ms)} from dispatch` : 'not started yet'),
              h('td', { class: 'num' }, a.exit_code ?? a.signal ?? ''),
              h('td', { class: 'error-text' }, a.error ?? ''),
            ),
          );
        }
      }
      swap(
        tasks,
        table(['Task', 'State', { text: 'Attempt', class: 'num' }, 'Worker', 'Ran for', { text: 'Exit', class: 'num' }, 'Error or why it waits'], rows, { id: 'tasks-table' }),
        taskPage.items.length > MAX_TASK_DETAILS ? h('p', { class: 'muted' }, `Attempts shown for the first ${MAX_TASK_DETAILS} tasks.`) : '',
      );
    },
    dispose() {
      logs.dispose();
    },
  };
}

/** The log viewer: long-polls /logs while the job runs; the search box filters and highlights. */
function logPanel(name) {
  const all = [];
  let cursor = 0;
  let live = true;
  let disposed = false;
  let abort = new AbortController();
  const pre = h('pre', { class: 'logs', id: 'job-logs', tabindex: '0', 'aria-label': 'log lines' });
  const follow = h('input', { type: 'checkbox', id: 'logs-follow', checked: true, onchange: () => { render(); if (follow.checked) wake(); } });
  const search = h('input', { type: 'search', id: 'logs-search', placeholder: 'text in a line', oninput: () => render() });
  const count = h('span', { class: 'muted', role: 'status' });
  const el = h(
    'section',
    {},
    h('div', { class: 'controls' }, h('label', { for: 'logs-search' }, 'Search', search), h('label', { for: 'logs-follow', class: 'inline' }, h('span', {}, 'Follow'), follow), count),
    pre,
  );

  function render() {
    const needle = search.value.toLowerCase();
    const shown = needle ? all.filter((l) => l.line.toLowerCase().includes(needle)) : all;
    const frag = document.createDocumentFragment();
    for (const l of shown) {
      const row = h('div', { class: l.stream === 'stderr' ? 'stderr' : '' }, h('span', { class: 'muted' }, `[${l.task_id.split('/').pop()}] `));
      if (needle) {
        const at = l.line.toLowerCase().indexOf(needle);
        row.append(l.line.slice(0, at), h('mark', {}, l.line.slice(at, at + needle.length)), l.line.slice(at + needle.length));
      } else {
        row.append(l.line);
      }
      frag.append(row);
    }
    pre.replaceChildren(frag);
    count.textContent = needle ? `${shown.length} of ${all.length} lines match` : `${all.length} line${all.length === 1 ? '' : 's'}${live ? (follow.checked ? ', following' : '') : ', job finished'}`;
    if (follow.checked) pre.scrollTop = pre.scrollHeight;
  }

  function wake() {
    abort.abort();
  }

  async function loop() {
    while (!disposed) {
      abort = new AbortController();
      try {
        const wait = live && follow.checked ? LOG_WAIT_MS : 0;
        const page = await get(`/logs?id=${encodeURIComponent(name)}&cursor=${cursor}&limit=1000&wait_ms=${wait}`, { signal: abort.signal });
        cursor = page.cursor;
        if (page.lines.length > 0) {
          all.push(...page.lines);
          if (all.length > MAX_LOG_LINES) all.splice(0, all.length - MAX_LOG_LINES);
          render();
          continue;
        }
        render();
      } catch (err) {
        if (disposed) return;
        if (err.name !== 'AbortError') count.textContent = `logs: ${err.message}`;
      }
      // Nothing new: a finished job has no more lines; otherwise look again shortly.
      await new Promise((r) => setTimeout(r, live && follow.checked ? 200 : 2000));
      if (!live && all.length > 0 && !disposed) {
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  }
  loop();
  return {
    el,
    setLive(v) {
      if (live !== v) {
        live = v;
        render();
      }
    },
    dispose() {
      disposed = true;
      abort.abort();
    },
  };
}
