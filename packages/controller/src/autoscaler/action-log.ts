import type { ActionType, AutoscalerAction } from './types.js';

export type ActionListener = (action: AutoscalerAction) => void;

/** The last `capacity` decisions, oldest first; listeners see every one (the simulator keeps all). */
export class ActionLog {
  private readonly entries: AutoscalerAction[] = [];
  private seq = 0;

  constructor(
    private readonly capacity: number,
    private readonly listener: ActionListener | undefined,
  ) {}

  record(atMs: number, type: ActionType, group: string, reason: string, sliceId?: string): AutoscalerAction {
    const action: AutoscalerAction = { seq: ++this.seq, atMs, type, group, reason, ...(sliceId === undefined ? {} : { sliceId }) };
    this.entries.push(action);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    this.listener?.(action);
    return action;
  }

  recent(limit = this.capacity): AutoscalerAction[] {
    return this.entries.slice(Math.max(0, this.entries.length - limit));
  }

  lastFor(group: string): AutoscalerAction | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.group === group) return this.entries[i];
    return undefined;
  }
}
