// Multi-document YAML (JSON is read as YAML 1.2, of which it is a subset) into plain
// values, keeping where each document starts so later messages can point at it.
import { isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { redactKeyMaterial } from '../log/redact.js';

export type NodePath = readonly (string | number)[];

export interface ManifestDocument {
  /** The file path as given (or `<stdin>`). */
  source: string;
  /** 1-based position of the document in its source. */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  value: unknown;
  /** 1-based line of a node inside the document, e.g. `['items', 2]`. */
  lineOf(path: NodePath): number | undefined;
}

export interface ParsedSource {
  documents: ManifestDocument[];
  /** One message per document that cannot be parsed: file, document, line, column, what is wrong. */
  problems: string[];
}

/** Aliases expanding into more nodes than this are refused (the "billion laughs" attack). */
const MAX_ALIAS_COUNT = 100;

export function parseManifestText(source: string, text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const documents: ManifestDocument[] = [];
  const problems: string[] = [];
  parsed.forEach((doc, i) => {
    const index = i + 1;
    const line = lineCounter.linePos(startOf(doc)).line;
    const [error] = doc.errors;
    if (error) {
      const { line: errorLine, col } = lineCounter.linePos(error.pos[0]);
      problems.push(`cannot parse ${source} (document ${index}, line ${errorLine}, column ${col}): ${describe(error.message)}`);
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (thrown) {
      // toJS throws for unresolved aliases and alias bombs; both are errors in the text.
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      problems.push(`cannot parse ${source} (document ${index}, line ${line}): ${describe(message)}`);
      return;
    }
    const lineOf = (path: NodePath): number | undefined => {
      const node: unknown = doc.getIn(path, true);
      return isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
    };
    documents.push({ source, index, line, value, lineOf });
  });
  return { documents, problems };
}

function startOf(doc: Document.Parsed): number {
  const contents = doc.contents;
  return contents && contents.range ? contents.range[0] : doc.range[0];
}

/** The parser's message, first line only, never with key material in it. */
function describe(message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  return redactKeyMaterial(firstLine.replace(/\s+$/, ''));
}
