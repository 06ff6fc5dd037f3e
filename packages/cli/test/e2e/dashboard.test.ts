import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIris } from '../run-iris.js';
import { processesMentioning, until } from './support.js';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). Tests never download a browser. */
const CHROMIUM = '/usr/bin/chromium';
/** Git-ignored; the README's docs/dashboard.png is copied from here by hand. */
const SCREENSHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));
const WAIT_MS = 60_000;
/** Per test: each drives a browser and spawns CLI processes on a machine shared with the rest of CI. */
const TEST_MS = 300_000;

describe('the dashboard in a browser, against a real local cluster', () => {
  let dir: string;
  let file: string;
  let stateDir: string;
  let env: Record<string, string>;
  let controllerUrl: string;
  let context: BrowserContext;
  let page: Page;

  const iris = async (...args: string[]) => {
    const run = await runIris(args, { env, cwd: dir });
    expect(run.code, `iris ${args.join(' ')}\n${run.stdout}\n${run.stderr}`).toBe(0);
    return run;
  };
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  /** The API with the cluster token, as the CLI uses it (read from the state dir). */
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const token = readFileSync(join(stateDir, 'token'), 'utf8').trim();
    const res = await fetch(`${controllerUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const finished = (name: string) =>
    until(
      `${name} to finish`,
      async () => {
        const job = await api<{ state: string }>('GET', `/jobs/${encodeURIComponent(name)}`);
        return ['SUCCEEDED', 'FAILED', 'KILLED'].includes(job.state) ? job.state : undefined;
      },
      120_000,
    );
  /** A new one-time link from the CLI, opened in the browser: a new session. */
  const signIn = async () => {
    const link = (await iris('dashboard', '-c', file)).stdout.trim();
    await page.goto(link);
    await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: WAIT_MS });
    return link;
  };
  /** Waits until the page has shown data from the controller (not the initial "connecting…"). */
  const loaded = () => page.locator('#live', { hasText: /^(live|finished)/ }).waitFor({ timeout: WAIT_MS });
  /** Waits until the page has read everything of a finished job and stopped polling (the header says so). */
  const pageFinished = () =>
    page
      .locator('#live', { hasText: /^finished/ })
      .waitFor({ timeout: 2 * WAIT_MS })
      .catch(async (err: Error) => {
        throw new Error(
          `${err.message}\nheader: ${await page.locator('#live').textContent()}\nlog status: ${await page.locator('#job-logs').locator('xpath=..').locator('[role=status]').textContent()}`,
        );
      });
  /** Counts the page's requests to the controller while `during` runs. */
  const countRequests = async (during: () => Promise<void>): Promise<string[]> => {
    const seen: string[] = [];
    const onRequest = (r: { url(): string }) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/') || path === '/health') seen.push(path);
    };
    page.on('request', onRequest);
    try {
      await during();
    } finally {
      page.off('request', onRequest);
    }
    return seen;
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'iris-dash-'));
    stateDir = join(dir, 'state');
    file = join(dir, 'cluster.yaml');
    writeFileSync(
      file,
      `name: dash-${process.pid}
controller:
  provider: { type: local, port: 0 }
  state_dir: ${stateDir}
  worker_timeout: 10s
defaults:
  bootstrap:
    env: { DASH_SECRET: hunter2-not-shown }
  autoscaler:
    evaluation_interval: 500ms
    requesting_timeout: 30s
    scale_up_delay: 0s
    scale_down_delay: 5m
    startup_grace: 60s
    heartbeat_grace: 30s
scale_groups:
  cpu:
    provider: { type: local }
    accelerator_type: cpu
    accelerator_variant: cpu
    slice_size: 1
    resources: { cpu: 2, ram: 4GB, disk: 1GB }
    min_slices: 0
    max_slices: 2
`,
    );
    writeFileSync(join(dir, 'ok.sh'), 'echo "hello from the dashboard test"\nsleep 1\necho "task $IRIS_TASK_INDEX finished"\n');
    writeFileSync(join(dir, 'bad.sh'), 'echo "about to fail" >&2\nexit 3\n');
    env = { HOME: dir };
    const start = await iris('start', '-c', file, '--detach');
    controllerUrl = /controller at (http:\/\/127\.0\.0\.1:\d+)/.exec(start.stdout)![1]!;
    // A new, empty profile: persistent-context is how playwright takes a user data dir.
    context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      viewport: { width: 1440, height: 900 },
      // A zone whose offset is not whole hours: "local" and UTC can never read the same.
      timezoneId: 'Asia/Kolkata',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await runIris(['stop', '-c', file], { env, cwd: dir });
    for (const pid of processesMentioning(stateDir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it(
    'refuses API requests without the token, and the page asks the user to sign in',
    async () => {
      const res = await fetch(`${controllerUrl}/api/v1/jobs`);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('IRIS_API_UNAUTHORIZED');
      await page.goto(`${controllerUrl}/dashboard/`);
      await page.locator('#signin').waitFor({ timeout: WAIT_MS });
      expect(await page.locator('#signin').textContent()).toContain('iris dashboard -c CLUSTER_FILE');
      await shot('sign-in');
    },
    TEST_MS,
  );

  it(
    'signs in with the one-time link `iris dashboard` prints',
    async () => {
      const run = await iris('dashboard', '-c', file);
      const link = run.stdout.trim();
      expect(link).toMatch(new RegExp(`^${controllerUrl}/dashboard/login\\?code=[A-Za-z0-9_-]+$`));
      expect(run.stdout + run.stderr).not.toContain(readFileSync(join(stateDir, 'token'), 'utf8').trim());
      await page.goto(link);
      expect(new URL(page.url()).pathname).toBe('/dashboard/');
      const cookie = (await context.cookies()).find((c) => c.name === 'iris_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.locator('.big').first().waitFor();
      // A used link does not sign anyone in again.
      const again = await fetch(link, { redirect: 'manual' });
      expect(again.status).toBe(401);
    },
    TEST_MS,
  );

  it(
    'shows a job appear and succeed, with its logs',
    async () => {
      await iris('job', 'run', '-c', file, '--name', '/dash/ok', '--cpu', '1', '--memory', '100MB', '--detach', '--', 'sh', 'ok.sh');
      await page.goto(`${controllerUrl}/dashboard/#/jobs`);
      const row = page.locator('tr[data-job="/dash/ok"]');
      await row.waitFor({ timeout: WAIT_MS });
      await row.locator('.badge', { hasText: 'SUCCEEDED' }).waitFor({ timeout: 120_000 });
      await shot('jobs');
      await row.getByRole('link', { name: '/dash/ok' }).click();
      await page.getByRole('heading', { name: 'Job /dash/ok' }).waitFor();
      await page.locator('#job-logs', { hasText: 'hello from the dashboard test' }).waitFor({ timeout: WAIT_MS });
      await page.locator('#job-logs', { hasText: 'task 0 finished' }).waitFor({ timeout: WAIT_MS });
      await page.locator('#tasks-table tr.attempt').first().waitFor();
      // Search filters the lines and says how many match.
      await page.locator('#logs-search').fill('hello');
      expect(await page.locator('#job-logs div').count()).toBe(1);
      await page.locator('#logs-search').fill('');
      await shot('job');
    },
    TEST_MS,
  );

  it(
    'shows why a failing job failed',
    async () => {
      await iris('job', 'run', '-c', file, '--name', '/dash/bad', '--detach', '--', 'sh', 'bad.sh');
      await page.goto(`${controllerUrl}/dashboard/#/job/${encodeURIComponent('/dash/bad')}`);
      await page.locator('#job-summary .badge', { hasText: 'FAILED' }).waitFor({ timeout: 120_000 });
      const error = (await page.locator('#job-error').textContent()) ?? '';
      expect(error).toMatch(/3/);
      await page.locator('#tasks-table td.error-text').first().waitFor();
      await page.locator('#job-logs', { hasText: 'about to fail' }).waitFor({ timeout: WAIT_MS });
      await shot('job-failed');
      await page.goto(`${controllerUrl}/dashboard/#/jobs?state=FAILED`);
      await page.locator('tr[data-job="/dash/bad"]').waitFor({ timeout: WAIT_MS });
      expect(await page.locator('tr[data-job="/dash/ok"]').count()).toBe(0);
    },
    TEST_MS,
  );

  it(
    "shows a job's own logs only, lists its children, and each attempt's real times",
    async () => {
      // The parent runs until its child has been submitted (a finished job takes no children).
      const release = join(dir, 'fam-release');
      await api('POST', '/jobs', { name: '/dash/fam', command: ['sh', '-c', `echo parent-line; while [ ! -e ${release} ]; do sleep 0.05; done`] });
      await api('POST', '/jobs', { name: '/dash/fam/kid', command: ['sh', '-c', 'echo child-line'], parent: '/dash/fam' });
      writeFileSync(release, '');
      expect(await finished('/dash/fam')).toBe('SUCCEEDED');
      expect(await finished('/dash/fam/kid')).toBe('SUCCEEDED');
      await page.goto(`${controllerUrl}/dashboard/#/job/${encodeURIComponent('/dash/fam')}`);
      await page.locator('#children-table tr[data-child="/dash/fam/kid"]').waitFor({ timeout: WAIT_MS });
      await page.locator('#job-logs', { hasText: 'parent-line' }).waitFor({ timeout: WAIT_MS });
      // Once every line is in, the page stops reading; the child's lines were never among them.
      await pageFinished();
      expect(await page.locator('#job-logs').textContent()).not.toContain('child-line');
      // Attempt rows carry the times the worker reported: when the process ran, not "not started yet".
      const attempt = page.locator('#tasks-table tr.attempt').first();
      await attempt.waitFor({ timeout: WAIT_MS });
      expect(await attempt.locator('.attempt-times').textContent()).toMatch(/^ran \d/);
      expect(await attempt.locator('.attempt-times time').count()).toBe(2);
      expect(await page.locator('#job-duration').textContent()).toMatch(/^\d+(ms|s)/);
      await page.locator('#children-table').getByRole('link', { name: '/dash/fam/kid' }).click();
      await page.getByRole('heading', { name: 'Job /dash/fam/kid' }).waitFor({ timeout: WAIT_MS });
      await page.locator('#job-parent', { hasText: '/dash/fam' }).waitFor();
      await page
        .locator('#job-logs', { hasText: 'child-line' })
        .waitFor({ timeout: WAIT_MS })
        .catch(async (err: Error) => {
          const held = await api<{ lines: { line: string }[] }>('GET', `/logs?id=${encodeURIComponent('/dash/fam/kid')}`);
          throw new Error(
            `${err.message}\ncontroller holds: ${JSON.stringify(held.lines.map((l) => l.line))}\nheader: ${await page.locator('#live').textContent()}\npage logs: ${await page.locator('#job-logs').textContent()}`,
          );
        });
      await shot('job-child');
    },
    TEST_MS,
  );

  it(
    "lists a job's outputs on its page and downloads them",
    async () => {
      // A task writes files under $IRIS_OUTPUT_DIR; its worker uploads them when it ends.
      await iris(
        'job',
        'run',
        '-c',
        file,
        '--name',
        '/dash/out',
        '--memory',
        '100MB',
        '--',
        'sh',
        '-c',
        'echo "result 42" > "$IRIS_OUTPUT_DIR/result.txt"; mkdir -p "$IRIS_OUTPUT_DIR/plots"; printf "step,loss\\n1,0.42\\n" > "$IRIS_OUTPUT_DIR/plots/loss.csv"',
      );
      await until(
        'the outputs of /dash/out to be listed',
        async () => {
          const list = await api<{ items: unknown[] }>('GET', `/jobs/${encodeURIComponent('/dash/out')}/outputs`);
          return list.items.length >= 2 ? true : undefined;
        },
        WAIT_MS,
      );
      await page.goto(`${controllerUrl}/dashboard/#/job/${encodeURIComponent('/dash/out')}`);
      const row = page.locator('#outputs-table tr[data-output="/dash/out/0/result.txt"]');
      await row.waitFor({ timeout: WAIT_MS });
      await page.locator('#outputs-table tr[data-output="/dash/out/0/plots/loss.csv"]').waitFor();
      const download = page.waitForEvent('download', { timeout: WAIT_MS });
      await row.getByRole('link', { name: 'result.txt' }).click();
      const saved = await download;
      expect(saved.suggestedFilename()).toBe('result.txt');
      expect(readFileSync(await saved.path(), 'utf8')).toBe('result 42\n');
      await shot('job-outputs');
    },
    TEST_MS,
  );

  it(
    'shows the group scaling up with its reason, its slices and VMs',
    async () => {
      await page.goto(`${controllerUrl}/dashboard/#/autoscaler`);
      const group = page.locator('[data-group="cpu"]');
      await group.waitFor({ timeout: WAIT_MS });
      const scaleUp = page.locator('table.actions tr', { has: page.locator('.badge', { hasText: /^scale up$/ }) }).first();
      await scaleUp.waitFor({ timeout: WAIT_MS });
      const text = (await scaleUp.textContent()) ?? '';
      expect(text).toContain('cpu');
      // The reason names the demand that caused it.
      expect(text.replace(/.*scale up/, '').length).toBeGreaterThan(10);
      await group.locator('td.mono').first().waitFor();
      await shot('autoscaler');
    },
    TEST_MS,
  );

  it(
    'says in plain words why a job that fits no group waits, on its page and in the routing decision',
    async () => {
      await iris('job', 'run', '-c', file, '--name', '/dash/huge', '--cpu', '64', '--detach', '--', 'true');
      await page.goto(`${controllerUrl}/dashboard/#/job/${encodeURIComponent('/dash/huge')}`);
      await page.locator('#job-pending').waitFor({ timeout: WAIT_MS });
      expect(await page.locator('#job-pending').textContent()).toMatch(/CPU/);
      await page.goto(`${controllerUrl}/dashboard/#/autoscaler`);
      const unmet = page.locator('#routing tr', { hasText: '/dash/huge' });
      await unmet.waitFor({ timeout: WAIT_MS });
      expect(((await unmet.locator('td').first().textContent()) ?? '').length).toBeGreaterThan(10);
      await page.locator('#demand tr', { hasText: '/dash/huge' }).waitFor({ timeout: WAIT_MS });
      // Reasons read as sentences: no machine code prefix (`no_matching_group: …`), no raw milliseconds.
      for (const text of await page.locator('#routing td, #demand td, table.actions td').allTextContents()) {
        expect(text).not.toMatch(/^[a-z]+(_[a-z]+)+:/);
        expect(text).not.toMatch(/\d{4,}\s?ms\b/);
      }
      await shot('autoscaler-unmet');
    },
    TEST_MS,
  );

  it(
    'shows workers, the overview and the cluster file with secrets masked',
    async () => {
      await page.goto(`${controllerUrl}/dashboard/#/workers`);
      await page.locator('#workers-table tr[data-worker]').first().waitFor({ timeout: WAIT_MS });
      expect(await page.locator('#workers-table').textContent()).toContain('cpu');
      await shot('workers');
      await page.goto(`${controllerUrl}/dashboard/#/overview`);
      await page.locator('#job-states', { hasText: 'SUCCEEDED' }).waitFor({ timeout: WAIT_MS });
      await shot('overview');
      await page.goto(`${controllerUrl}/dashboard/#/config`);
      // The file as written (durations and sizes as the author wrote them), secrets masked.
      const config = page.locator('#config-source');
      await config.waitFor({ timeout: WAIT_MS });
      const text = (await config.textContent()) ?? '';
      expect(text).toContain('DASH_SECRET: ••••••');
      expect(text).toContain('evaluation_interval: 500ms');
      expect(text).toContain('ram: 4GB');
      expect(text).not.toContain('hunter2');
      expect(await page.locator('#config-json').textContent()).not.toContain('hunter2');
      await shot('config');
    },
    TEST_MS,
  );

  it(
    'a link preview (HEAD) does not use up a sign-in link; a signed-in browser reopening a used link lands on the dashboard',
    async () => {
      const link = (await iris('dashboard', '-c', file)).stdout.trim();
      const head = await fetch(link, { method: 'HEAD', redirect: 'manual' });
      expect(head.status).toBe(200);
      await page.goto(link);
      expect(new URL(page.url()).pathname).toBe('/dashboard/');
      await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: WAIT_MS });
      // The link is used now; this browser, still signed in, goes on to the dashboard instead of an error.
      const reopened = await page.goto(link);
      expect(reopened?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/dashboard/');
      await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: WAIT_MS });
      const favicon = await fetch(`${controllerUrl}/favicon.ico`);
      expect(favicon.status).toBe(200);
      expect(favicon.headers.get('content-type')).toBe('image/x-icon');
    },
    TEST_MS,
  );

  it(
    "stops polling a finished job's page, and slows down in a hidden tab",
    async () => {
      await page.goto(`${controllerUrl}/dashboard/#/job/${encodeURIComponent('/dash/ok')}`);
      // Once the finished job's last log lines are in, the page says so and stops asking.
      await pageFinished();
      const finished = await countRequests(() => page.waitForTimeout(5_000));
      expect(finished).toEqual([]);
      // A live page polls every 2 s while visible; hidden, it waits 30 s between reads.
      await page.goto(`${controllerUrl}/dashboard/#/overview`);
      await loaded();
      const visible = await countRequests(() => page.waitForTimeout(5_000));
      expect(visible.filter((p) => p === '/health').length).toBeGreaterThanOrEqual(1);
      // Headless Chromium has no real hidden tab: the page is told it is hidden the way a browser tells it.
      const hide = (hidden: boolean) =>
        page.evaluate(`(() => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => ${hidden} });
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${hidden ? 'hidden' : 'visible'}' });
        document.dispatchEvent(new Event('visibilitychange'));
      })()`);
      await hide(true);
      // A read already in flight may finish; no new one starts for 30 s.
      await page.waitForTimeout(1_000);
      const hidden = await countRequests(() => page.waitForTimeout(5_000));
      expect(hidden.filter((p) => p === '/health')).toEqual([]);
      // Shown again: it reads at once.
      const back = page.waitForRequest((r) => new URL(r.url()).pathname === '/health', { timeout: WAIT_MS });
      await hide(false);
      await back;
    },
    TEST_MS,
  );

  it(
    'shows every time in one zone, UTC or local as the viewer chooses, and remembers the choice',
    async () => {
      await page.goto(`${controllerUrl}/dashboard/#/jobs`);
      await page.locator('tr[data-job="/dash/ok"] time').waitFor({ timeout: WAIT_MS });
      const shown = async () => {
        const el = page.locator('tr[data-job="/dash/ok"] time').first();
        return { text: (await el.textContent())!, iso: (await el.getAttribute('datetime'))! };
      };
      const hms = (d: Date) => d.toISOString().slice(11, 19);
      expect(await page.locator('#tz').textContent()).toBe('Times: UTC');
      const utc = await shown();
      expect(utc.text).toBe(hms(new Date(utc.iso)));
      await page.locator('#tz').click();
      await page.locator('#tz', { hasText: 'Times: UTC+05:30' }).waitFor();
      await page.locator('tr[data-job="/dash/ok"] time').first().waitFor();
      const local = await shown();
      expect(local.text).toBe(hms(new Date(Date.parse(local.iso) + 5.5 * 3_600_000)));
      await page.reload();
      await page.locator('#tz', { hasText: 'Times: UTC+05:30' }).waitFor({ timeout: WAIT_MS });
      await page.locator('#tz').click();
      await page.locator('#tz', { hasText: /^Times: UTC$/ }).waitFor();
    },
    TEST_MS,
  );

  it(
    'holds its layout at 390 px; screenshots of every page at 390, 1440 and 2560 px',
    async () => {
      const pages = ['overview', 'jobs', `job/${encodeURIComponent('/dash/ok')}`, `job/${encodeURIComponent('/dash/bad')}`, 'workers', 'autoscaler', 'config'];
      for (const width of [390, 1440, 2560]) {
        await page.setViewportSize({ width, height: 900 });
        for (const name of pages) {
          await page.goto(`${controllerUrl}/dashboard/#/${name}`);
          await page.reload();
          await loaded();
          // Nothing scrolls sideways: tables fold into labelled cards on a phone.
          const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
          expect(scrollWidth, `${name} at ${width} px`).toBeLessThanOrEqual(width);
          await shot(`${decodeURIComponent(name).replace(/[^a-z0-9]+/gi, '-')}-${width}`);
        }
      }
      await page.setViewportSize({ width: 1440, height: 900 });
    },
    TEST_MS,
  );

  it(
    'iris dashboard sessions lists this browser; revoking its session signs it out at the next refresh',
    async () => {
      await signIn();
      const listed = await iris('dashboard', 'sessions', '-c', file, '--json');
      const sessions = (JSON.parse(listed.stdout) as { items: { id: string; user_agent?: string }[] }).items;
      expect(sessions.length).toBeGreaterThanOrEqual(1);
      const text = await iris('dashboard', 'sessions', '-c', file);
      expect(text.stdout).toMatch(/^ID\s+SIGNED IN\s+LAST USED\s+EXPIRES\s+BROWSER/);
      expect(text.stdout).toContain('Chrome');
      await page.goto(`${controllerUrl}/dashboard/#/overview`);
      await loaded();
      // This browser's session is the newest (signed in at the start of this test); the list is oldest first.
      const mine = sessions.at(-1)!;
      expect(mine.user_agent).toContain('Chrome');
      const refused = page.waitForResponse((r) => r.url().includes('/api/v1/') && r.status() === 401, { timeout: WAIT_MS });
      const run = await iris('dashboard', 'sessions', '-c', file, '--revoke', mine.id.slice(0, 8));
      expect(run.stdout).toContain(`revoked session ${mine.id}`);
      await refused;
      await page.locator('#signin').waitFor({ timeout: WAIT_MS });
      const unknown = await runIris(['dashboard', 'sessions', '-c', file, '--revoke', 'nosuchsession'], { env, cwd: dir });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no dashboard session nosuchsession');
    },
    TEST_MS,
  );

  it(
    'signs out with the Sign out button, which ends the session',
    async () => {
      await signIn();
      await loaded();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('#signed-out').waitFor({ timeout: WAIT_MS });
      expect((await context.cookies()).find((c) => c.name === 'iris_session')).toBeUndefined();
      const after = await page.evaluate<number>("fetch('/api/v1/jobs').then((r) => r.status)");
      expect(after).toBe(401);
      await signIn();
    },
    TEST_MS,
  );

  it(
    'can be driven from the keyboard: the navigation links take focus in order',
    async () => {
      await page.goto(`${controllerUrl}/dashboard/#/overview`);
      // A fresh load: focus starts at the top of the document, not in a previously focused view.
      await page.reload();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.keyboard.press('Tab');
      expect(await page.locator(':focus').textContent()).toBe('Skip to content');
      await page.keyboard.press('Tab');
      expect(await page.locator(':focus').textContent()).toBe('Overview');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    },
    TEST_MS,
  );

  it(
    'shows that the controller is unreachable, and since when, instead of a stale healthy badge',
    async () => {
      await page.goto(`${controllerUrl}/dashboard/#/overview`);
      await page.locator('#controller-card .badge', { hasText: /^healthy$/ }).waitFor({ timeout: WAIT_MS });
      await iris('stop', '-c', file);
      const banner = page.locator('#conn-banner');
      await banner.waitFor({ state: 'visible', timeout: WAIT_MS });
      expect(await banner.textContent()).toMatch(/Controller unreachable since \d\d:\d\d:\d\d UTC/);
      await page.locator('#controller-card .badge', { hasText: 'unreachable' }).waitFor({ timeout: WAIT_MS });
      expect(await page.locator('.badge', { hasText: /^healthy$/ }).count()).toBe(0);
      expect(await page.locator('#live').textContent()).toMatch(/unreachable since/);
      await shot('overview-unreachable');
    },
    TEST_MS,
  );
});
