import type { Command } from 'commander';
import type { JobDefaultsConfig } from '@iris/core';
import type { IrisClient, JobSubmitRequest, JobView } from '@iris/core/api';
import type { CliIo } from '../context.js';
import type { CliCommandGroup } from './types.js';
import { connect, withConnection, type ConnectionOptions } from '../connection.js';
import { flag } from '../flags.js';

interface RunOptions extends ConnectionOptions {
  name?: string;
  replicas: number;
  cpu?: number;
  memory?: number;
  disk?: number;
  schedulingTimeout?: number;
  gpu?: number;
  tpu?: string;
  env: string[];
  maxRetries?: number;
  groupBy?: string;
  timeout?: number;
  detach?: boolean;
  parent?: string;
  outputs?: string;
}

/**
 * What a job gets when it does not say: the cluster file's `defaults.job` with -c, else the
 * shipped defaults (1 CPU, 2 GiB, like the Python original; `--cpu 0 --memory 0` asks for nothing).
 */
async function jobDefaults(options: RunOptions, io: CliIo): Promise<JobDefaultsConfig> {
  if (options.config) {
    const { resolveClusterTarget } = await import('../cluster/cluster-target.js');
    return (await resolveClusterTarget(options.config, io)).cluster.config.defaults.job;
  }
  const { DEFAULT_CONFIG } = await import('@iris/core/config');
  return DEFAULT_CONFIG.defaults.job;
}

async function buildRequest(command: string[], options: RunOptions, io: CliIo, defaults: JobDefaultsConfig): Promise<JobSubmitRequest> {
  const { usageError } = await import('../exit-codes.js');
  if (command.length === 0) throw usageError('iris job run needs a command after --, e.g. iris job run -- python train.py');
  const env: Record<string, string> = {};
  for (const pair of options.env) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`--env takes KEY=VALUE, not "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const resources: NonNullable<JobSubmitRequest['resources']> = { cpu: defaults.cpu, memory_bytes: defaults.memory, disk_bytes: defaults.disk };
  if (options.cpu !== undefined) resources.cpu = options.cpu;
  if (options.memory !== undefined) resources.memory_bytes = options.memory;
  if (options.disk !== undefined) resources.disk_bytes = options.disk;
  if (options.gpu !== undefined && options.tpu !== undefined) throw usageError('--gpu and --tpu cannot be combined');
  if (options.gpu !== undefined) resources.accelerator = { type: 'gpu', count: options.gpu };
  if (options.tpu !== undefined) resources.accelerator = { type: 'tpu', variant: options.tpu, count: 1 };
  const user = (io.env['USER'] ?? 'user').replace(/[^A-Za-z0-9_.-]/g, '') || 'user';
  // A job started inside a task is a child of the task's job (IRIS_JOB) unless --parent says otherwise.
  const parent = options.parent ?? io.env['IRIS_JOB'];
  if (parent !== undefined && !/^(\/[A-Za-z0-9_.-]+)+$/.test(parent)) throw usageError(`--parent must be a job name such as /team/run, not "${parent}"`);
  const stamp = `job-${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}`;
  const name = options.name ?? (parent !== undefined ? stamp : `/${user}/${stamp}`);
  // A relative name is placed under the parent: `--parent /team/run --name eval` is /team/run/eval.
  const fullName = name.startsWith('/') ? name : parent !== undefined ? `${parent}/${name}` : `/${name}`;
  const request: JobSubmitRequest = {
    name: fullName,
    command,
    env,
    resources,
    replicas: options.replicas,
  };
  if (parent !== undefined) request.parent = parent;
  request.max_retries_failure = options.maxRetries ?? defaults.max_retries_failure;
  request.max_retries_preemption = defaults.max_retries_preemption;
  if (options.timeout !== undefined) {
    if (options.timeout === 0) throw usageError('--timeout must be longer than 0 (leave it out for no limit)');
    request.timeout_ms = options.timeout;
  }
  if (options.groupBy !== undefined) request.group_by = options.groupBy;
  const schedulingTimeout = options.schedulingTimeout ?? defaults.scheduling_timeout;
  if (schedulingTimeout > 0) request.scheduling_timeout_ms = schedulingTimeout;
  return request;
}

/** Streams a job's logs until it ends; returns its final view. */
async function followLogs(client: IrisClient, id: string, io: CliIo, untilDone: boolean, children = false): Promise<JobView | undefined> {
  const { isTerminalJobState } = await import('@iris/core/api');
  const jobName = id.replace(/\/[0-9]+$/, '');
  let cursor = 0;
  let lastWaiting: string | undefined;
  for (;;) {
    const page = await client.fetchLogs({ id, cursor, limit: 1000, wait_ms: untilDone ? 5_000 : 0, ...(children ? { children } : {}) });
    for (const l of page.lines) {
      const text = `[${l.task_id}] ${l.line}\n`;
      if (l.stream === 'stdout') io.out(text);
      else io.err(text);
    }
    cursor = page.cursor;
    if (page.lines.length === 1000) continue;
    if (!untilDone) return undefined;
    const job = await client.getJob(jobName);
    // Say why it waits as soon as the controller knows (no GPU anywhere, a full cluster...).
    const waiting = job.task_counts.PENDING > 0 ? job.pending_reason : undefined;
    if (waiting && waiting !== lastWaiting) io.err(`${jobName} waiting: ${waiting}\n`);
    lastWaiting = waiting;
    if (isTerminalJobState(job.state)) {
      // One last read: lines pushed just before the job ended.
      const rest = await client.fetchLogs({ id, cursor, limit: 10_000, ...(children ? { children } : {}) });
      for (const l of rest.lines) (l.stream === 'stdout' ? io.out : io.err)(`[${l.task_id}] ${l.line}\n`);
      return job;
    }
  }
}

function register(program: Command, io: CliIo): void {
  const job = program.command('job').description('submit and inspect jobs');

  withConnection(
    job
      .command('run')
      .description('pack the working directory, submit COMMAND as a job, stream its logs and exit with its outcome')
      .argument('<command...>', 'the command, after --')
      .option('--name <name>', 'hierarchical job name, e.g. /team/run (relative: under --parent)')
      .option('--parent <job>', "the parent job: killing it kills this one (default inside a task: $IRIS_JOB, the task's job)")
      .option('--replicas <k>', 'number of tasks', flag.count(1), 1)
      .option('--cpu <c>', 'CPUs per task (default: defaults.job.cpu, 1; 0 asks for none)', flag.nonNegative)
      .option('--memory <m>', 'memory per task (e.g. 4GB, 512MiB; default: defaults.job.memory, 2GiB)', flag.size)
      .option('--disk <d>', 'disk per task (e.g. 10GB; default: defaults.job.disk, 0)', flag.size)
      .option(
        '--scheduling-timeout <d>',
        'fail UNSCHEDULABLE when not running this long after submission (default: defaults.job.scheduling_timeout, 1h; 0 waits forever)',
        flag.duration,
      )
      .option('--gpu <n>', 'GPUs per task', flag.count(1))
      .option('--tpu <variant>', 'TPU variant per task (e.g. v5litepod-16)')
      .option('--env <k=v>', 'environment variable (repeatable)', flag.keyValue, [] as string[])
      .option('--max-retries <n>', 'retries after a task fails', flag.count(0))
      .option('--timeout <d>', 'per-task time limit (e.g. 30m)', flag.duration)
      .option('--group-by <attribute>', 'gang: place every task at once on workers sharing this attribute (e.g. tpu-name); one failure stops them all')
      .option('--detach', 'submit and return without waiting')
      .option('--outputs <url>', 'where task outputs go; only the controller (the default) is supported, fetched with iris job download'),
  ).action(async (command: string[], options: RunOptions) => {
    const { createHash } = await import('node:crypto');
    const { CliExit, EXIT_FAILURE } = await import('../exit-codes.js');
    const { formatSize } = await import('@iris/core');
    if (options.outputs !== undefined) {
      const { usageError } = await import('../exit-codes.js');
      throw usageError(
        `--outputs ${options.outputs}: outputs ${options.outputs.startsWith('gs://') ? 'to Cloud Storage are' : 'elsewhere than the controller are'} not supported yet; leave --outputs out: files a task writes under $IRIS_OUTPUT_DIR are kept by the controller, fetch them with iris job download JOB`,
      );
    }
    const request = await buildRequest(command, options, io, await jobDefaults(options, io));
    const client = await connect(options, io);
    const { listBundleFiles, packFiles } = await import('../bundle.js');
    const files = listBundleFiles(io.cwd);
    // An empty folder is a valid job: no bundle, the task starts in an empty scratch dir.
    let what = 'no bundle: empty folder';
    if (files.length > 0) {
      const bundle = await packFiles(io.cwd, files);
      const sha = createHash('sha256').update(bundle).digest('hex');
      if (!(await client.hasBundle(sha))) await client.uploadBundle(sha, bundle);
      request.bundle_id = sha;
      what = `bundle ${sha.slice(0, 12)}, ${files.length} file(s), ${formatSize(bundle.length)}`;
    }
    const { job: submitted } = await client.submitJob(request);
    io.err(`submitted ${submitted.name}${submitted.parent ? ` under ${submitted.parent}` : ''} (${submitted.replicas} task(s), ${what})\n`);
    if (options.detach) {
      io.out(`${submitted.name}\n`);
      return;
    }
    const done = await followLogs(client, submitted.name, io, true);
    io.err(`${submitted.name} ${done!.state}${done!.error ? `: ${done!.error}` : ''}\n`);
    if (done!.state !== 'SUCCEEDED') throw new CliExit(EXIT_FAILURE);
  });

  withConnection(job.command('list').description('list jobs').option('--prefix <p>', 'only jobs under this name').option('--json', 'JSON output')).action(
    async (options: ConnectionOptions & { prefix?: string; json?: boolean }) => {
      const client = await connect(options, io);
      const jobs: JobView[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listJobs({ limit: 500, ...(options.prefix ? { prefix: options.prefix } : {}), ...(cursor ? { cursor } : {}) });
        jobs.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      if (options.json) {
        const { printJson } = await import('../output/json.js');
        printJson(io, jobs);
        return;
      }
      const { formatTable } = await import('../output/table.js');
      io.out(
        formatTable(
          ['NAME', 'STATE', 'DONE', 'RUNNING', 'PENDING', 'WHY'],
          jobs.map((j) => [
            j.name,
            j.state,
            `${j.task_counts.SUCCEEDED}/${j.replicas}`,
            String(j.task_counts.RUNNING + j.task_counts.BUILDING + j.task_counts.ASSIGNED),
            String(j.task_counts.PENDING),
            j.pending_reason ?? j.error ?? '',
          ]),
        ),
      );
    },
  );

  withConnection(job.command('status').description("a job's state and its tasks").argument('<job>').option('--json', 'JSON output')).action(
    async (name: string, options: ConnectionOptions & { json?: boolean }) => {
      const client = await connect(options, io);
      const view = await client.getJob(name);
      const tasks = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTasks(name, { limit: 1000, ...(cursor ? { cursor } : {}) });
        tasks.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      if (options.json) {
        const { printJson } = await import('../output/json.js');
        printJson(io, { job: view, tasks });
        return;
      }
      const { formatTable } = await import('../output/table.js');
      const { formatElapsed } = await import('@iris/core');
      const ran = view.duration_ms === undefined ? '' : `  ran ${formatElapsed(view.duration_ms)}`;
      const family = `${view.parent ? `\nparent: ${view.parent}` : ''}${view.children > 0 ? `\nchildren: ${view.children} (iris job list --json shows them; iris job logs --children)` : ''}`;
      io.out(`${view.name}  ${view.state}${ran}${view.error ? `  (${view.error})` : ''}\ncommand: ${view.command.join(' ')}${family}\n\n`);
      io.out(
        formatTable(
          ['TASK', 'STATE', 'ATTEMPT', 'WORKER', 'EXIT', 'RAN', 'FAILURES', 'PREEMPTIONS', 'WHY'],
          tasks.map((t) => [
            t.task_id,
            t.state,
            String(t.attempt),
            t.worker_id ?? '',
            t.exit_code === undefined ? '' : String(t.exit_code),
            t.duration_ms === undefined ? '' : formatElapsed(t.duration_ms),
            String(t.failure_count),
            String(t.preemption_count),
            t.pending_reason ?? t.error ?? '',
          ]),
        ),
      );
    },
  );

  withConnection(
    job
      .command('logs')
      .description("print the logs of a job's own tasks (or of one task)")
      .argument('<id>', 'job name or task id')
      .option('-f, --follow', 'keep streaming until the job ends')
      .option('--children', "also the logs of the job's descendants (jobs started with it as --parent)"),
  ).action(async (id: string, options: ConnectionOptions & { follow?: boolean; children?: boolean }) => {
    const client = await connect(options, io);
    await followLogs(client, id, io, options.follow === true, options.children === true);
  });

  withConnection(
    job
      .command('download')
      .description('download the files the tasks of a job wrote under $IRIS_OUTPUT_DIR (sha256-checked)')
      .argument('<job>')
      .option('--task <n>', 'only this task (files go straight into the folder)', flag.count(0))
      .option('-o, --output <dir>', "folder to write into; task N goes to DIR/N/ (default: the job name's last part)"),
  ).action(async (name: string, options: ConnectionOptions & { task?: number; output?: string }) => {
    const client = await connect(options, io);
    const { downloadOutputs } = await import('../actions/download.js');
    const dir = options.output ?? name.split('/').filter(Boolean).at(-1) ?? 'outputs';
    await downloadOutputs(client, { job: name, ...(options.task === undefined ? {} : { task: options.task }), dir, tty: process.stderr.isTTY === true }, io);
  });

  withConnection(job.command('kill').description('kill a job and its children').argument('<job>')).action(async (name: string, options: ConnectionOptions) => {
    const client = await connect(options, io);
    const view = await client.killJob(name);
    io.out(`${view.name} ${view.state}\n`);
  });
}

export const jobCommands: CliCommandGroup = { name: 'job', register };
