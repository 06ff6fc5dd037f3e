import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error reply in Google's JSON error format (`{error: {code, message, status, details}}`). */
export interface GoogleErrorReply {
  httpStatus: number;
  status: string;
  message: string;
  details?: Record<string, unknown>[];
}

export class ReplyError extends Error {
  constructor(readonly reply: GoogleErrorReply) {
    super(reply.message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, reply: GoogleErrorReply): void {
  sendJson(res, reply.httpStatus, {
    error: { code: reply.httpStatus, message: reply.message, status: reply.status, details: reply.details ?? [] },
  });
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

export function notFound(what: string): ReplyError {
  return new ReplyError({ httpStatus: 404, status: 'NOT_FOUND', message: `${what} was not found` });
}

export function alreadyExists(what: string): ReplyError {
  return new ReplyError({ httpStatus: 409, status: 'ALREADY_EXISTS', message: `${what} already exists` });
}
