import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'iris-task';

/**
 * Per-attempt credentials handed to a running task as IRIS_TASK_TOKEN, so a task can start child
 * jobs (which inherit it as their parent) without the master token. Stateless: an HMAC of the
 * attempt under a key derived from the master token; the server accepts one only while that
 * attempt is the task's current, live attempt, so a finished attempt's token is dead.
 */
export class TaskTokens {
  private readonly key: Buffer;

  constructor(masterToken: string) {
    this.key = createHmac('sha256', masterToken).update('iris task tokens v1').digest();
  }

  mint(taskId: string, attempt: number): string {
    return `${PREFIX}.${Buffer.from(taskId).toString('base64url')}.${attempt}.${this.mac(taskId, attempt)}`;
  }

  /** The attempt a token was minted for, when its MAC checks out; undefined for anything else. */
  verify(token: string): { taskId: string; attempt: number } | undefined {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== PREFIX || !/^(0|[1-9][0-9]{0,8})$/.test(parts[2]!)) return undefined;
    const taskId = Buffer.from(parts[1]!, 'base64url').toString('utf8');
    const attempt = Number(parts[2]);
    const expected = Buffer.from(this.mac(taskId, attempt));
    const given = Buffer.from(parts[3]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    return { taskId, attempt };
  }

  private mac(taskId: string, attempt: number): string {
    return createHmac('sha256', this.key).update(`${taskId}\u0000${attempt}`).digest('base64url');
  }
}
