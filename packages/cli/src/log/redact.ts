// Last line of defence for everything the CLI writes to stderr: a message built from
// user input (a YAML error, a file name, an error from a library) must never carry key
// material, even if a Secret's base64 ends up in it.
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
/** Long runs of base64: PEM bodies are 64-character lines; Secret `data` values are longer. */
const BASE64_RUN = /[A-Za-z0-9+/]{60,}={0,2}/g;

export const REDACTED_TEXT = '[redacted]';

export function redactKeyMaterial(text: string): string {
  return text.replace(PEM_BLOCK, REDACTED_TEXT).replace(BASE64_RUN, REDACTED_TEXT);
}
