// Multi-document YAML (JSON is read as YAML 1.2, of which it is a subset) into plain
// values, keeping where each document starts so later messages can point at it. Linear in
// the input: documents are composed one at a time (stopping at the documents-per-file
// bound), and duplicate keys are found with one Set per map instead of the parser's
// `uniqueKeys`, which compares every key with every other (40k keys: half a minute).
import { Composer, isMap, isNode, isScalar, isSeq, LineCounter, Parser, visit, type Document } from 'yaml';
import { redactKeyMaterial, type ManifestDocument, type NodePath } from '@kupstream/core';
import { MANIFEST_LIMITS } from './manifest-limits.js';

export type { ManifestDocument, NodePath } from '@kupstream/core';

export interface ParsedSource {
  documents: ManifestDocument[];
  /** One message per document that cannot be parsed: file, document, line, column, what is wrong. */
  problems: string[];
}

/** A parsed document as plain data (what crosses from the parse worker). */
export interface PlainDocument {
  source: string;
  index: number;
  line: number;
  value: unknown;
  /** `[path joined by "\0", line]` for every List item (`items[i]`, nested Lists too). */
  itemLines: [string, number][];
}

export interface PlainParse {
  documents: PlainDocument[];
  problems: string[];
}

function pathKey(path: NodePath): string {
  return path.join('\u0000');
}

/** Gives a plain document its `lineOf` back. */
export function fromPlain(plain: PlainDocument): ManifestDocument {
  const lines = new Map(plain.itemLines);
  return { source: plain.source, index: plain.index, line: plain.line, value: plain.value, lineOf: (path) => lines.get(pathKey(path)) };
}

export function parseManifestText(source: string, text: string): ParsedSource {
  const plain = parseManifestPlain(source, text);
  return { documents: plain.documents.map(fromPlain), problems: plain.problems };
}

export function parseManifestPlain(source: string, text: string): PlainParse {
  const lineCounter = new LineCounter();
  const composer = new Composer({ prettyErrors: false, merge: true, uniqueKeys: false });
  const documents: PlainDocument[] = [];
  const problems: string[] = [];
  let index = 0;
  const take = (doc: Document.Parsed): boolean => {
    index++;
    if (index > MANIFEST_LIMITS.documentsPerSource) {
      problems.push(`cannot parse ${source}: more than ${MANIFEST_LIMITS.documentsPerSource} YAML documents in one file; split it`);
      return false;
    }
    const line = lineCounter.linePos(startOf(doc)).line;
    const bytes = doc.range[2] - doc.range[0];
    if (bytes > MANIFEST_LIMITS.documentBytes) {
      problems.push(
        `cannot parse ${source} (document ${index}, line ${line}): the document is ${bytes} characters long; at most ${MANIFEST_LIMITS.documentBytes} are read`,
      );
      return true;
    }
    const error = doc.errors[0];
    const duplicate = error ? undefined : firstDuplicateKey(doc);
    if (error || duplicate !== undefined) {
      const { line: errorLine, col } = lineCounter.linePos(error ? error.pos[0] : duplicate!);
      const message = error ? error.message : 'Map keys must be unique';
      problems.push(`cannot parse ${source} (document ${index}, line ${errorLine}, column ${col}): ${describe(message)}`);
      return true;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MANIFEST_LIMITS.aliasCount });
    } catch (thrown) {
      // toJS throws for unresolved aliases and alias bombs; both are errors in the text.
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      problems.push(`cannot parse ${source} (document ${index}, line ${line}): ${describe(message)}`);
      return true;
    }
    documents.push({ source, index, line, value, itemLines: itemLines(doc, lineCounter) });
    return true;
  };
  // One document at a time: the bound stops the work, not just the result.
  const parser = new Parser(lineCounter.addNewLine);
  let going = true;
  for (const token of parser.parse(text)) {
    for (const doc of composer.next(token)) if (going) going = take(doc);
    if (!going) break;
  }
  if (going) for (const doc of composer.end()) if (going) going = take(doc);
  return { documents, problems };
}

/** Offset of the first key repeated in its map, or undefined (`<<` merge keys may repeat). */
function firstDuplicateKey(doc: Document.Parsed): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = pair.key.value;
        if (key === '<<') continue;
        if (seen.has(key)) {
          found = pair.key.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

/** Lines of List items (`items[i]`, and the items of Lists inside them), for messages. */
function itemLines(doc: Document.Parsed, lineCounter: LineCounter): [string, number][] {
  const out: [string, number][] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (!isMap(node)) return;
    const items = node.get('items', true);
    if (!isSeq(items)) return;
    items.items.forEach((item, i) => {
      const at = [...path, 'items', i];
      if (isNode(item) && item.range) out.push([pathKey(at), lineCounter.linePos(item.range[0]).line]);
      walk(item, at);
    });
  };
  walk(doc.contents, []);
  return out;
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
