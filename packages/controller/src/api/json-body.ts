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

/** Reads and parses a JSON body, refusing it as soon as it passes any limit. */
export async function readJsonBody(req: IncomingMessage, limits: JsonBodyLimits): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    throw apiError('tooLarge', `body of ${declared} bytes exceeds the limit of ${limits.maxBytes}`);
  }
  const counter = new JsonShapeCounter(limits);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limits.maxBytes) throw apiError('tooLarge', `body exceeds the limit of ${limits.maxBytes} bytes`);
    counter.push(chunk);
    chunks.push(chunk);
  }
  if (size === 0) throw apiError('invalidRequest', 'body is empty; expected a JSON object');
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch (err) {
    throw apiError('invalidRequest', `body is not valid JSON: ${(err as Error).message}`);
  }
}
