import { IrisError } from '../errors.js';

export const TOKEN_MALFORMED_CODE = 'IRIS_TOKEN_MALFORMED';

/** Longest token accepted from a file or the environment. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * The token held by a token file's text (or IRIS_TOKEN): surrounding whitespace is dropped, and
 * anything but one run of printable ASCII is refused, naming `source` and never echoing the content
 * (a token with a space or binary bytes would fail every call with a misleading message later).
 */
export function parseTokenText(text: string, source: string): string {
  const token = text.trim();
  if (token === '') throw new IrisError(TOKEN_MALFORMED_CODE, `${source} is empty; it must hold the controller token`);
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new IrisError(
      TOKEN_MALFORMED_CODE,
      `${source} holds ${token.length} characters, more than a token (at most ${MAX_TOKEN_LENGTH}); is it the right file?`,
    );
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new IrisError(
      TOKEN_MALFORMED_CODE,
      `${source} holds whitespace or non-printable bytes inside the token; it must hold just the token (one line of printable characters)`,
    );
  }
  return token;
}
