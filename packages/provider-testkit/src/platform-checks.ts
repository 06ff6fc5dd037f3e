import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isProviderError,
  isVmState,
  type CreateSliceRequest,
  type Platform,
  type ProviderErrorKind,
  type ScaleGroupConfig,
  type SliceInfo,
  type VmBootstrapSpec,
  type WorkerLaunch,
} from '@iris/core';
import { testWorkerLaunch } from './fixtures.js';
import { checkWorkersJoin, DEFAULT_JOIN_DEADLINE_MS } from './join-check.js';

/** A create the backend must refuse, and the ProviderError kinds acceptable for it. */
export interface RefusedCreate {
  /** The group to create in (defaults to the backend's group). */
  group?: ScaleGroupConfig;
  /** Overrides of the create request (e.g. a bootstrap without a controller address). */
  request?: Partial<Omit<CreateSliceRequest, 'requestId'>>;
  kinds: readonly ProviderErrorKind[];
}

/** The provider under test, set up against a test backend (real processes, sshd, an emulator…). */
export interface ConformanceBackend {
  /**
   * A NEW Platform over the same backend on every call: the second call plays a restarted
   * controller, which must adopt what the first created.
   */
  createPlatform(): Platform | Promise<Platform>;
  /** A scale group this backend can create slices for. */
  group: ScaleGroupConfig;
  /** What the autoscaler passes to createSlice (role worker, controller address in the container env). */
  bootstrap: VmBootstrapSpec;
  /**
   * The worker launch passed on every create (default: `testWorkerLaunch()`, a controller address
   * nobody listens on; the join check passes a real one of its own).
   */
  launch?: WorkerLaunch;
  /** The provider's zones; the last is used to check zone scoping. Empty or absent: no zones. */
  zones?: readonly string[];
  /**
   * The join check: a platform whose VMs really run `iris worker` on this machine (the real `iris`
   * program as `PlatformDeps.irisCommand`, an emulator running startup scripts here…). Absent: the
   * check is skipped, and nothing proves the provider's VMs ever join a cluster.
   */
  joinPlatform?(): Platform | Promise<Platform>;
  /** Arranges a create the backend refuses (a stockout, a missing setting…). */
  refuseCreate?(): RefusedCreate | Promise<RefusedCreate>;
  /** Releases the backend (stops servers, removes folders). */
  cleanup?(): Promise<void>;
}

export interface PlatformCheckOptions {
  backend: () => Promise<ConformanceBackend>;
  /** The provider's raw-state table: every raw state it reports, mapped to a VmState. */
  stateTable: Readonly<Record<string, string>>;
  /** The provider's mapping function; unknown raw strings must map to `unknown`. */
  mapState: (raw: string) => string;
  /** Per-test timeout. */
  timeoutMs: number;
  /** How long the join check gives every VM's worker to register (default 60 s). */
  joinDeadlineMs?: number;
}

/** Awaits `work`; a rejection fails the test with what the contract expects and what happened. */
async function mustSucceed(work: Promise<unknown>, expectation: string): Promise<void> {
  try {
    await work;
  } catch (err) {
    throw new Error(`${expectation}; it threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

let requestCounter = 0;
function requestId(what: string): string {
  requestCounter += 1;
  return `conformance-${what}-${process.pid}-${requestCounter}`;
}

/** Registers the platform half of the conformance suite. */
export function describePlatformConformance(options: PlatformCheckOptions): void {
  const { stateTable, mapState, timeoutMs } = options;
  const joinDeadline = options.joinDeadlineMs ?? DEFAULT_JOIN_DEADLINE_MS;
  let backend: ConformanceBackend;
  const opened: Platform[] = [];

  async function platform(): Promise<Platform> {
    const p = await backend.createPlatform();
    opened.push(p);
    return p;
  }

  function launch(): WorkerLaunch {
    return backend.launch ?? testWorkerLaunch();
  }

  async function create(what: string, extra: Partial<CreateSliceRequest> = {}): Promise<SliceInfo> {
    const manager = (await platform()).vmManager(backend.group);
    return manager.createSlice({ requestId: requestId(what), labels: {}, bootstrap: backend.bootstrap, ...extra, launch: extra.launch ?? launch() });
  }

  describe('platform', () => {
    beforeAll(async () => {
      backend = await options.backend();
    }, timeoutMs);

    afterEach(async () => {
      // Each test starts from an empty group, whatever the previous one left.
      const manager = (await platform()).vmManager(backend.group);
      for (const slice of await manager.listSlices()) await manager.terminateSlice(slice.sliceId);
      for (const p of opened.splice(0)) await p.close?.();
    }, timeoutMs);

    afterAll(async () => {
      await backend?.cleanup?.();
    }, timeoutMs);

    it(
      'createSlice makes one slice of slice_size VMs, owned by the group and carrying the request labels',
      async () => {
        const slice = await create('shape', { labels: { 'conformance-extra': 'yes' } });
        expect(slice.group, 'slice.group must be the scale group name').toBe(backend.group.name);
        expect(slice.vms, `a slice must hold slice_size (${backend.group.slice_size}) VMs`).toHaveLength(backend.group.slice_size);
        expect(new Set(slice.vms.map((v) => v.vmId)).size, 'VM ids must be distinct').toBe(slice.vms.length);
        expect(slice.labels['conformance-extra'], 'the request labels must be on the slice').toBe('yes');
        for (const vm of slice.vms) expect(isVmState(vm.state), `VM ${vm.vmId} state "${vm.state}" must be a VmState`).toBe(true);
      },
      timeoutMs,
    );

    it(
      'createSlice is idempotent by request id',
      async () => {
        const manager = (await platform()).vmManager(backend.group);
        const request = { requestId: requestId('idem'), labels: {}, bootstrap: backend.bootstrap, launch: launch() };
        const first = await manager.createSlice(request);
        const second = await manager.createSlice(request);
        expect(second.sliceId, 'creating twice with one request id must return the same slice').toBe(first.sliceId);
        expect(
          second.vms.map((v) => v.vmId),
          'and the same VMs',
        ).toEqual(first.vms.map((v) => v.vmId));
        const listed = await manager.listSlices();
        expect(
          listed.map((s) => s.sliceId),
          'and list exactly one slice',
        ).toEqual([first.sliceId]);
      },
      timeoutMs,
    );

    it(
      'listSlices finds what was created, a new platform instance adopts it, another group does not see it',
      async () => {
        const slice = await create('adopt');
        const listed = await (await platform()).vmManager(backend.group).listSlices();
        const adopted = listed.find((s) => s.sliceId === slice.sliceId);
        expect(adopted, 'a new platform (a restarted controller) must list the slice by its labels').toBeDefined();
        expect(adopted?.vms.map((v) => v.vmId).sort(), 'with the same VMs').toEqual(slice.vms.map((v) => v.vmId).sort());
        const other = { ...backend.group, name: `${backend.group.name}-conformance-other` };
        const foreign = await (await platform()).vmManager(other).listSlices();
        expect(
          foreign.map((s) => s.sliceId),
          'another group’s manager must not list this group’s slice',
        ).not.toContain(slice.sliceId);
      },
      timeoutMs,
    );

    it(
      'terminateSlice removes the slice, and a second terminate succeeds',
      async () => {
        const slice = await create('term');
        const manager = (await platform()).vmManager(backend.group);
        await mustSucceed(manager.terminateSlice(slice.sliceId), 'terminateSlice of a live slice must succeed');
        const left = (await manager.listSlices()).find((s) => s.sliceId === slice.sliceId);
        expect(
          left === undefined || ['terminating', 'terminated'].includes(left.state),
          `after terminateSlice the slice must be gone or terminating (found ${left?.state ?? 'none'})`,
        ).toBe(true);
        await mustSucceed(manager.terminateSlice(slice.sliceId), 'terminating a slice twice must succeed');
      },
      timeoutMs,
    );

    it(
      'terminateSlice of a slice that never existed succeeds',
      async () => {
        const manager = (await platform()).vmManager(backend.group);
        await mustSucceed(manager.terminateSlice('conformance-never-created'), 'terminating an unknown slice must succeed');
      },
      timeoutMs,
    );

    it(
      'maps every raw state to a VmState through its table, unknown strings to unknown',
      async () => {
        const raws = Object.keys(stateTable);
        expect(raws.length, 'the state table must list the raw states').toBeGreaterThan(0);
        for (const [raw, state] of Object.entries(stateTable)) {
          expect(isVmState(state), `raw state "${raw}" maps to "${state}", which is not a VmState`).toBe(true);
          expect(mapState(raw), `mapState("${raw}") must agree with the table`).toBe(state);
        }
        expect(mapState('conformance-not-a-state'), 'an unrecognised raw state must map to unknown').toBe('unknown');
        const slice = await create('raw');
        const listed = (await (await platform()).vmManager(backend.group).listSlices()).find((s) => s.sliceId === slice.sliceId);
        for (const vm of listed?.vms ?? []) {
          expect(vm.rawState, `VM ${vm.vmId} must keep its raw state beside the normalised one`).toBeDefined();
          expect(raws, `VM ${vm.vmId} raw state "${vm.rawState}" must be in the state table`).toContain(vm.rawState);
          expect(vm.state, `VM ${vm.vmId} state must be the table's mapping of "${vm.rawState}"`).toBe(stateTable[vm.rawState ?? '']);
        }
      },
      timeoutMs,
    );

    it(
      'a create the backend refuses fails with a ProviderError of the expected kind, leaving no slice',
      async (ctx) => {
        if (!backend.refuseCreate) return ctx.skip();
        const refused = await backend.refuseCreate();
        const group = refused.group ?? backend.group;
        const manager = (await platform()).vmManager(group);
        const err = await manager
          .createSlice({
            requestId: requestId('refused'),
            labels: {},
            bootstrap: backend.bootstrap,
            ...refused.request,
            launch: refused.request?.launch ?? launch(),
          })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(err, 'the create must be refused').toBeDefined();
        expect(isProviderError(err), `the refusal must be a ProviderError (code IRIS_PROVIDER_ERROR with a kind), got ${String(err)}`).toBe(true);
        expect(refused.kinds, `ProviderError kind must be one of ${refused.kinds.join(', ')}`).toContain((err as { kind: string }).kind);
        expect(await manager.listSlices(), 'a refused create must leave no slice behind').toEqual([]);
      },
      timeoutMs,
    );

    it(
      'each VM joins: a worker registers under the VM’s id with the slice’s join token (the join contract)',
      async (ctx) => {
        const joinPlatform = backend.joinPlatform?.bind(backend);
        if (!joinPlatform) return ctx.skip();
        await checkWorkersJoin({ joinPlatform, group: backend.group, bootstrap: backend.bootstrap, joinDeadlineMs: joinDeadline }, requestId('join'));
      },
      Math.max(timeoutMs, joinDeadline + 30_000),
    );

    it(
      'listVms is scoped: it finds the slice’s VMs by labels in their zone, and nothing elsewhere',
      async () => {
        const zones = backend.zones ?? [];
        const zone = zones[zones.length - 1];
        const slice = await create('zone', zone === undefined ? {} : { zone });
        if (zone !== undefined) expect(slice.zone, `a slice created with zone ${zone} must be in it`).toBe(zone);
        const p = await platform();
        const ids = slice.vms.map((v) => v.vmId).sort();
        const found = await p.listVms({ ...(zone === undefined ? {} : { zone }), labels: slice.labels });
        expect(found.map((v) => v.vmId).sort(), 'listVms with the slice’s labels must find its VMs').toEqual(ids);
        const none = await p.listVms({ ...(zone === undefined ? {} : { zone }), labels: { ...slice.labels, 'conformance-absent': 'x' } });
        expect(none, 'listVms must filter by every label asked for').toEqual([]);
        for (const otherZone of zones.filter((z) => z !== zone)) {
          const elsewhere = await p.listVms({ zone: otherZone, labels: slice.labels });
          expect(elsewhere, `listVms in zone ${otherZone} must not return VMs of zone ${zone}`).toEqual([]);
        }
      },
      timeoutMs,
    );
  });
}
