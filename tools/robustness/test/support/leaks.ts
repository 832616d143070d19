// Finds private key material in text: the PEM marker, any 40-character run of a key's
// base64 body, or any 40-character run of the base64 of the whole PEM (the form a
// Secret's `data` holds). Line breaks and JSON escapes are removed first, so a key
// printed over several lines, or inside a JSON string, is still found.
import { inspect } from 'node:util';

const WINDOW = 40;
const PEM_MARKER = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|PRIVATE KEY-----/;

export interface NamedKey {
  label: string;
  keyPem: string;
}

function windows(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + WINDOW <= text.length; i++) out.push(text.slice(i, i + WINDOW));
  return out;
}

export class KeyScanner {
  readonly #needles = new Map<string, string>();

  constructor(keys: readonly NamedKey[]) {
    for (const { label, keyPem } of keys) {
      const body = keyPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
      for (const w of windows(body)) this.#needles.set(w, `${label} (base64 body)`);
      for (const w of windows(Buffer.from(keyPem).toString('base64'))) this.#needles.set(w, `${label} (Secret data base64)`);
      // A Secret made on Windows, or re-encoded: CRLF line ends give another base64.
      for (const w of windows(Buffer.from(keyPem.replace(/\n/g, '\r\n')).toString('base64')))
        this.#needles.set(w, `${label} (Secret data base64, CRLF)`);
    }
  }

  /** What leaked in `text`, as `where: label`; empty when nothing did. */
  scan(text: string, where: string): string[] {
    const found = new Set<string>();
    if (PEM_MARKER.test(text)) found.add(`${where}: a PEM private key marker`);
    const flat = text.replace(/\\r|\\n|\\\\|\r|\n|\s+/g, '');
    for (let i = 0; i + WINDOW <= flat.length; i++) {
      const hit = this.#needles.get(flat.slice(i, i + WINDOW));
      if (hit) {
        found.add(`${where}: ${hit}`);
        i += WINDOW - 1;
      }
    }
    return [...found];
  }
}

/** Every text form a host could log an object in. */
export function textForms(value: unknown): Record<string, string> {
  const forms: Record<string, string> = {
    inspect: inspect(value),
    'inspect (deep, hidden)': inspect(value, { depth: Infinity, showHidden: true, maxArrayLength: Infinity, maxStringLength: Infinity }),
    'inspect (no custom inspectors)': inspect(value, {
      depth: Infinity,
      showHidden: true,
      customInspect: false,
      maxArrayLength: Infinity,
      maxStringLength: Infinity,
    }),
    String: safe(() => String(value)),
    'JSON.stringify': safe(() => JSON.stringify(value) ?? ''),
  };
  return forms;
}

function safe(f: () => string): string {
  try {
    return f();
  } catch (error) {
    return `(threw ${(error as Error).name})`;
  }
}
