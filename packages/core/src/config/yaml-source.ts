import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type ParsedNode } from 'yaml';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { formatPath, ROOT_PATH, type ConfigIssue } from './issues.js';

export type PathSegment = string | number;

/**
 * A parsed cluster file that can say where any path is. Legacy normalisation edits the Document in
 * place and moves nodes rather than copying them, so positions keep pointing at the user's text;
 * nodes it creates have no range and fall back to their nearest positioned ancestor.
 */
export class YamlSource {
  private parsed: Document.Parsed | undefined;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /**
   * The positioned YAML Document, parsed on first use: it is several times slower to build than
   * plain data, so a valid canonical file is loaded from `fastData()` and never needs it.
   */
  get doc(): Document.Parsed {
    // uniqueKeys: a key written twice is an error, not a silent override.
    this.parsed ??= parseDocument(this.text, { lineCounter: this.lines, keepSourceTokens: false, uniqueKeys: true, prettyErrors: false });
    return this.parsed;
  }

  /**
   * The file as plain data through js-yaml's YAML 1.2 core schema (the same scalars as the
   * Document's), or undefined when it cannot be read that way; the caller then takes the
   * positioned path, which reports the problem properly.
   */
  fastData(): unknown {
    try {
      return loadYaml(this.text, { schema: CORE_SCHEMA, json: false });
    } catch {
      return undefined;
    }
  }

  /** YAML syntax errors (and duplicate keys), as issues. */
  syntaxIssues(): ConfigIssue[] {
    return this.doc.errors.map((err) => {
      const at = this.lines.linePos(err.pos[0]);
      const message = err.message.split('\n')[0] ?? err.message;
      return this.issueAtLineCol(at.line, at.col, ROOT_PATH, `YAML syntax error: ${message}`, 'error');
    });
  }

  /**
   * Keys that are lists or mappings: valid YAML, but a cluster file is JSON-shaped data and such a
   * key cannot name anything (converting it would only stringify it).
   */
  structureIssues(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    visit(this.doc, {
      Pair: (_key, pair) => {
        if (!isMap(pair.key) && !isSeq(pair.key)) return;
        const at = this.lines.linePos(rangeStart(pair.key) ?? 0);
        issues.push(this.issueAtLineCol(at.line, at.col, ROOT_PATH, 'a key must be plain text, not a list or mapping (is a ":" misplaced?)', 'error'));
      },
    });
    return issues;
  }

  /** An issue at the value node of `path` (or its nearest positioned ancestor). */
  issueAt(path: readonly PathSegment[], message: string, severity: ConfigIssue['severity'] = 'error'): ConfigIssue {
    return this.issueAtOffset(this.offsetOf(path, 'value'), formatPath(path), message, severity);
  }

  /** An issue at the key of the last path segment (for an unknown key). */
  issueAtKey(path: readonly PathSegment[], message: string, severity: ConfigIssue['severity'] = 'error'): ConfigIssue {
    return this.issueAtOffset(this.offsetOf(path, 'key'), formatPath(path), message, severity);
  }

  private issueAtOffset(offset: number, path: string, message: string, severity: ConfigIssue['severity']): ConfigIssue {
    const at = this.lines.linePos(offset);
    return this.issueAtLineCol(at.line, at.col, path, message, severity);
  }

  private issueAtLineCol(line: number, column: number, path: string, message: string, severity: ConfigIssue['severity']): ConfigIssue {
    return { file: this.file, line: Math.max(1, line), column: Math.max(1, column), path, message, severity };
  }

  /** Source offset of the node at `path`: its key or its value; 0 when nothing on the way has a position. */
  private offsetOf(path: readonly PathSegment[], want: 'key' | 'value'): number {
    let node: unknown = this.doc.contents;
    let best = rangeStart(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i] as PathSegment;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
        if (!pair) break;
        const keyStart = rangeStart(pair.key);
        if (last && want === 'key' && keyStart !== undefined) return keyStart;
        node = pair.value;
        // A key with no value (`local:`) has a null scalar positioned after the colon; the key is clearer.
        best = (isScalar(node) && node.value === null ? keyStart : rangeStart(node)) ?? keyStart ?? best;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        best = rangeStart(node) ?? best;
      } else {
        break;
      }
    }
    return best;
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Partial<ParsedNode> | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === 'string' || typeof key === 'number') return String(key);
  return undefined;
}

export type { Node };
