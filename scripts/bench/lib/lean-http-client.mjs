// A minimal HTTP/1.1 keep-alive client for load benchmarks: one request at a time on one socket,
// answers framed by content-length. Node's http client costs several times what the controller
// spends on a small request, so with 20 of them in the benchmark's one process the clients, not the
// controller, would set the pace on a 2-core machine.
import { connect } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

export class LeanHttpConnection {
  /** @param {{ hostname: string, port: number | string, headers?: Record<string, string> }} target */
  constructor(target) {
    this.host = `${target.hostname}:${target.port}`;
    this.fixedHeaders = Object.entries(target.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    this.socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    this.buffer = Buffer.alloc(0);
    this.waiting = undefined;
    this.socket.on('data', (chunk) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.tryFinish();
    });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error(`connection to ${this.host} closed`)));
  }

  /** Sends one request; resolves with { status, ms } once the whole answer has arrived. */
  request(method, path, body = '') {
    if (this.waiting) return Promise.reject(new Error('one request at a time'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject, started: performance.now() };
      const length = body === '' ? '' : `content-length: ${Buffer.byteLength(body)}\r\n`;
      this.socket.write(`${method} ${path} HTTP/1.1\r\nhost: ${this.host}\r\n${this.fixedHeaders}${length}\r\n${body}`);
    });
  }

  close() {
    this.socket.destroy();
  }

  tryFinish() {
    const w = this.waiting;
    if (!w) return;
    const end = this.buffer.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!match) return this.fail(new Error(`answer without content-length: ${head.split('\r\n')[0]}`));
    const total = end + 4 + Number(match[1]);
    if (this.buffer.length < total) return;
    this.buffer = this.buffer.subarray(total);
    this.waiting = undefined;
    w.resolve({ status: Number(head.slice(9, 12)), ms: performance.now() - w.started });
  }

  fail(err) {
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }
}
