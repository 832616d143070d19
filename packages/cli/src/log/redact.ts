// Last line of defence for everything the CLI writes to stderr: a message built from
// user input (a YAML error, a file name, an error from a library) must never carry key
// material, even if a Secret's base64 ends up in it.
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
/** Long runs of base64 alphabet: PEM bodies are 64-character lines; Secret `data` values are longer. */
const BASE64_RUN = /[A-Za-z0-9+/]{60,}={0,2}/g;

export const REDACTED_TEXT = '[redacted]';

/**
 * Whether a run of base64 alphabet looks like encoded bytes rather than a long path or
 * name: some upper case (Kubernetes names have none, and 60 random base64 characters
 * without one are vanishingly rare), and slashes rare (one in 64 characters on average in
 * base64, one every few characters in a path; fewer than one in 12 is taken as base64).
 */
function looksEncoded(run: string): boolean {
  if (!/[A-Z]/.test(run)) return false;
  let slashes = 0;
  for (let i = 0; i < run.length; i++) if (run.charCodeAt(i) === 47) slashes++;
  return slashes * 12 < run.length;
}

export function redactKeyMaterial(text: string): string {
  return text.replace(PEM_BLOCK, REDACTED_TEXT).replace(BASE64_RUN, (run) => (looksEncoded(run) ? REDACTED_TEXT : run));
}
