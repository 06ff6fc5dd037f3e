import type { IncomingMessage } from 'node:http';
import { apiError } from './http-util.js';

/** Limits a JSON body is held to while it streams in (DEFAULT_CONFIG.controller.limits). */
export interface JsonBodyLimits {
  maxBytes: number;
  /** Values: object members plus array items. */
  maxEntries: number;
  maxDepth: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Counts a JSON text's structure chunk by chunk, outside strings: nesting depth, and entries (each
 * opened container counts one, each comma one more). The count is an upper bound of the values
 * JSON.parse would build, so a body that would stall the event loop is refused before it is parsed
 * (or even fully received).
 */
export class JsonShapeCounter {
  entries = 0;
  depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly limits: JsonBodyLimits) {}

  push(chunk: Buffer): void {
    const { maxEntries, maxDepth } = this.limits;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++this.depth > maxDepth) throw apiError('tooLarge', `body nests deeper than ${maxDepth} levels`);
        this.entries++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) this.depth--;
      else if (c === COMMA) this.entries++;
      else continue;
      if (this.entries > maxEntries) throw apiError('tooLarge', `body holds more than ${maxEntries} JSON values`);
    }
  }
}

/**
 * Reads and parses a JSON body, refusing it as soon as it passes any limit. Listens for 'data'
 * rather than iterating the stream: an async iterator costs a promise per chunk, which shows on
 * the submit path (most bodies are one chunk).
 */
export function readJsonBody(req: IncomingMessage, limits: JsonBodyLimits): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    return Promise.reject(apiError('tooLarge', `body of ${declared} bytes exceeds the limit of ${limits.maxBytes}`));
  }
  return new Promise((resolve, reject) => {
    const counter = new JsonShapeCounter(limits);
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err: unknown, value?: unknown): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err === undefined) resolve(value);
      else {
        // Stop reading what is left of a refused body; the answer goes out on the same socket.
        req.resume();
        reject(err);
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      try {
        if (size > limits.maxBytes) throw apiError('tooLarge', `body exceeds the limit of ${limits.maxBytes} bytes`);
        counter.push(chunk);
      } catch (err) {
        done(err);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (size === 0) return done(apiError('invalidRequest', 'body is empty; expected a JSON object'));
      try {
        done(undefined, JSON.parse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8')));
      } catch (err) {
        done(apiError('invalidRequest', `body is not valid JSON: ${(err as Error).message}`));
      }
    };
    const onError = (err: Error): void => done(err);
    const onClose = (): void => {
      if (!req.complete) done(Object.assign(new Error('the client closed the connection before the body was complete'), { code: 'ECONNRESET' }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
