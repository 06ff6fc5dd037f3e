// One job: its summary, tasks with every attempt, pending reasons, and live logs (follow, search).
import { get, getOptional } from '../api.js';
import { badge, bytes, duration, h, jobHref, kv, link, reason, span, swap, table, time } from '../dom.js';

/** Attempts are fetched per task; beyond this many tasks the page shows the task table only. */
const MAX_TASK_DETAILS = 100;
const LOG_WAIT_MS = 10000;
/** After a job finishes, its logs are read until none came for this long. */
const DRAIN_MS = 4000;
const MAX_LOG_LINES = 20000;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'KILLED', 'WORKER_FAILED', 'UNSCHEDULABLE']);

export function mount(container, { arg: name }) {
  const summary = h('div', { id: 'job-summary' });
  const tasks = h('div', { id: 'job-tasks' });
  const children = h('div', { id: 'job-children' });
  const outputs = h('div', { id: 'job-outputs' });
  const logs = logPanel(name);
  container.append(
    h('p', {}, link('#/jobs', '← All jobs')),
    h('h1', {}, 'Job ', h('span', { class: 'mono' }, name)),
    summary,
    h('h2', {}, 'Child jobs'),
    children,
    h('h2', {}, 'Tasks and attempts'),
    tasks,
    h('h2', {}, 'Outputs'),
    outputs,
    h('h2', {}, 'Logs'),
    logs.el,
  );
  // Attempts are re-read only for tasks whose state or attempt changed since the last refresh.
  const details = new Map();
  const seen = new Map();
  return {
    title: name,
    async refresh() {
      const path = encodeURIComponent(name);
      const job = await get(`/jobs/${path}`);
      const finished = TERMINAL.has(job.state);
      logs.setLive(!finished);
      const [taskPage, kids, files] = await Promise.all([
        get(`/jobs/${path}/tasks?limit=1000`),
        get(`/jobs?parent=${path}&limit=200`),
        getOptional(`/jobs/${path}/outputs`),
      ]);
      const changed = taskPage.items.slice(0, MAX_TASK_DETAILS).filter((t) => seen.get(t.task_id) !== `${t.state}|${t.attempt}|${t.finished_at_ms ?? ''}`);
      for (const d of await Promise.all(changed.map((t) => get(`/tasks/${encodeURIComponent(t.task_id)}`)))) details.set(d.task_id, d);
      for (const t of changed) seen.set(t.task_id, `${t.state}|${t.attempt}|${t.finished_at_ms ?? ''}`);
      const starts = taskPage.items.map((t) => t.started_at_ms).filter((v) => typeof v === 'number');
      const startedAt = job.started_at_ms ?? (starts.length ? Math.min(...starts) : undefined);
      swap(
        summary,
        h(
          'div',
          { class: 'card' },
          kv([
            ['state', badge(job.state)],
            ['error', job.error ? h('span', { class: 'error-text', id: 'job-error' }, reason(job.error)) : undefined],
            ['waiting because', job.pending_reason ? h('span', { id: 'job-pending' }, reason(job.pending_reason)) : undefined],
            ['parent', job.parent ? link(jobHref(job.parent), job.parent, { id: 'job-parent' }) : undefined],
            ['command', h('span', { class: 'mono' }, job.command.join(' '))],
            ['replicas', job.replicas],
            [
              'resources',
              `${job.resources.cpu} CPU, ${bytes(job.resources.memory_bytes)}${job.resources.accelerator ? `, ${job.resources.accelerator.count}× ${job.resources.accelerator.type} ${job.resources.accelerator.variant ?? ''}` : ''}`,
            ],
            ['submitted', time(job.submitted_at_ms)],
            ['started', startedAt ? time(startedAt) : undefined],
            ['finished', job.finished_at_ms ? time(job.finished_at_ms) : undefined],
            ['ran for', startedAt ? h('span', { id: 'job-duration' }, duration(startedAt, job.finished_at_ms)) : undefined],
            [
              'waited to start',
              startedAt ? span(Math.max(0, startedAt - job.submitted_at_ms)) : finished ? undefined : `${duration(job.submitted_at_ms)} so far`,
            ],
            ['retries', `${job.max_retries_failure} on failure, ${job.max_retries_preemption} on preemption`],
          ]),
        ),
      );
      const childJobs = kids.items.filter((j) => j.parent === name);
      swap(
        children,
        childJobs.length
          ? table(
              ['Job', 'State', { text: 'Tasks done', class: 'num' }, 'Submitted'],
              childJobs.map((j) =>
                h(
                  'tr',
                  { 'data-child': j.name },
                  h('td', {}, link(jobHref(j.name), j.name)),
                  h('td', {}, badge(j.state)),
                  h('td', { class: 'num' }, `${j.task_counts?.SUCCEEDED ?? 0} / ${j.replicas}`),
                  h('td', {}, time(j.submitted_at_ms)),
                ),
              ),
              { id: 'children-table' },
            )
          : h('p', { class: 'muted' }, 'This job has started no child jobs.'),
      );
      swap(outputs, outputList(name, files, finished));
      const rows = [];
      for (const t of taskPage.items) {
        const d = details.get(t.task_id);
        rows.push(
          h(
            'tr',
            { 'data-task': t.task_id },
            h('td', { class: 'mono' }, t.index),
            h('td', {}, badge(t.state)),
            h('td', { class: 'num' }, t.attempt < 0 ? '—' : t.attempt),
            h('td', { class: 'mono' }, t.worker_id ?? ''),
            h('td', {}, t.started_at_ms ? duration(t.started_at_ms, t.finished_at_ms) : ''),
            h('td', { class: 'num' }, t.exit_code ?? ''),
            // A task that succeeded on a retry keeps its earlier attempt's error; that belongs to the attempt row.
            t.state === 'SUCCEEDED' ? h('td', {}, '') : h('td', { class: t.error ? 'error-text' : 'muted' }, reason(t.error ?? t.pending_reason)),
          ),
        );
        for (const a of d?.attempts ?? []) {
          rows.push(
            h(
              'tr',
              { class: 'attempt', 'data-attempt': `${t.task_id}#${a.attempt}` },
              h('td', { class: 'muted' }, `attempt ${a.attempt}`),
              h('td', {}, badge(a.state)),
              h('td', { class: 'num' }, ''),
              h('td', { class: 'mono' }, a.worker_id),
              h('td', { class: 'attempt-times' }, attemptTimes(a)),
              h('td', { class: 'num' }, a.exit_code ?? a.signal ?? ''),
              h('td', { class: 'error-text' }, reason(a.error)),
            ),
          );
        }
      }
      swap(
        tasks,
        table(['Task', 'State', { text: 'Attempt', class: 'num' }, 'Worker', 'Ran for', { text: 'Exit', class: 'num' }, 'Error or why it waits'], rows, {
          id: 'tasks-table',
        }),
        taskPage.items.length > MAX_TASK_DETAILS ? h('p', { class: 'muted' }, `Attempts shown for the first ${MAX_TASK_DETAILS} tasks.`) : '',
      );
      // A finished job changes no more: stop polling once its last log lines are in.
      return { finished: finished && logs.drained() };
    },
    dispose() {
      logs.dispose();
    },
  };
}

/** "ran 1.2s, 15:04:05 → 15:04:06" from the attempt's own times; "dispatched 15:04:05, not started" before it runs. */
function attemptTimes(a) {
  if (a.started_at_ms) {
    return [
      `ran ${duration(a.started_at_ms, a.finished_at_ms)}${a.finished_at_ms ? '' : ' so far'}, `,
      time(a.started_at_ms),
      a.finished_at_ms ? [' → ', time(a.finished_at_ms)] : '',
    ];
  }
  if (a.finished_at_ms) return ['ended before it started, ', time(a.finished_at_ms)];
  if (!a.created_at_ms) return 'no times recorded';
  return ['dispatched ', time(a.created_at_ms), ', not started yet'];
}

/** The files the tasks wrote under $IRIS_OUTPUT_DIR, each a download link (the session cookie authorises it). */
function outputList(name, files, finished) {
  if (!files) return h('p', { class: 'muted' }, 'This controller does not keep job outputs.');
  if (files.items.length === 0) {
    return h(
      'p',
      { class: 'muted' },
      finished ? 'The tasks wrote no files under $IRIS_OUTPUT_DIR.' : 'No outputs yet: a task\u2019s files under $IRIS_OUTPUT_DIR are uploaded when it ends.',
    );
  }
  return [
    table(
      ['Task', 'File', { text: 'Size', class: 'num' }, 'SHA-256'],
      files.items.map((f) =>
        h(
          'tr',
          { 'data-output': `${f.task_id}/${f.path}` },
          h('td', { class: 'mono' }, `${f.task_id.split('/').pop()}${f.attempt ? ` (attempt ${f.attempt})` : ''}`),
          h(
            'td',
            {},
            h('a', { href: `/api/v1/outputs/${f.sha256}`, download: f.path.split('/').pop(), class: 'mono', 'data-key': `out-${f.task_id}/${f.path}` }, f.path),
          ),
          h('td', { class: 'num' }, bytes(f.size_bytes)),
          h('td', { class: 'mono muted', title: f.sha256 }, f.sha256.slice(0, 12)),
        ),
      ),
      { id: 'outputs-table' },
    ),
    h(
      'p',
      { class: 'muted' },
      `${files.items.length} file${files.items.length === 1 ? '' : 's'}, ${bytes(files.size_bytes)} in all. From a terminal: `,
      h('code', {}, `iris job download ${name}`),
    ),
  ];
}

/** The log viewer: long-polls /logs while the job runs; the search box filters and highlights. */
function logPanel(name) {
  const all = [];
  let cursor = 0;
  let live = true;
  let disposed = false;
  let abort = new AbortController();
  const pre = h('pre', { class: 'logs', id: 'job-logs', tabindex: '0', 'aria-label': 'log lines' });
  const follow = h('input', {
    type: 'checkbox',
    id: 'logs-follow',
    checked: true,
    onchange: () => {
      render();
      if (follow.checked) wake();
    },
  });
  const search = h('input', { type: 'search', id: 'logs-search', placeholder: 'text in a line', oninput: () => render() });
  const count = h('span', { class: 'muted', role: 'status' });
  const el = h(
    'section',
    {},
    h(
      'div',
      { class: 'controls' },
      h('label', { for: 'logs-search' }, 'Search', search),
      h('label', { for: 'logs-follow', class: 'inline' }, h('span', {}, 'Follow'), follow),
      count,
    ),
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
    count.textContent = needle
      ? `${shown.length} of ${all.length} lines match`
      : `${all.length} line${all.length === 1 ? '' : 's'}${live ? (follow.checked ? ', following' : '') : ', job finished'}`;
    if (follow.checked) pre.scrollTop = pre.scrollHeight;
  }

  function wake() {
    abort.abort();
  }

  // A finished job's last lines may still be on their way from its worker: read until nothing new
  // has come for DRAIN_MS after the job was seen finished, then stop.
  let finishedSeenAt;
  let drained = false;
  async function loop() {
    while (!disposed && !drained) {
      abort = new AbortController();
      let pause = live && follow.checked ? 200 : 2000;
      try {
        const wait = live && follow.checked ? LOG_WAIT_MS : 0;
        const page = await get(`/logs?id=${encodeURIComponent(name)}&cursor=${cursor}&limit=1000&wait_ms=${wait}`, { signal: abort.signal });
        if (!Array.isArray(page.lines) || !Number.isInteger(page.cursor)) throw new Error('the controller answered the log read without lines');
        cursor = page.cursor;
        if (page.lines.length > 0) {
          all.push(...page.lines);
          if (all.length > MAX_LOG_LINES) all.splice(0, all.length - MAX_LOG_LINES);
          render();
          if (!live) finishedSeenAt = Date.now();
          continue;
        }
        if (!live && finishedSeenAt !== undefined && Date.now() - finishedSeenAt >= DRAIN_MS) drained = true;
        render();
      } catch (err) {
        if (disposed) return;
        if (err.name !== 'AbortError') {
          count.textContent = `logs: ${err.message}`;
          pause = 5000;
        }
      }
      if (!drained) await new Promise((r) => setTimeout(r, pause));
    }
  }
  loop();
  return {
    el,
    setLive(v) {
      if (!v && finishedSeenAt === undefined) finishedSeenAt = Date.now();
      if (live !== v) {
        live = v;
        wake();
        render();
      }
    },
    drained: () => drained,
    dispose() {
      disposed = true;
      abort.abort();
    },
  };
}
