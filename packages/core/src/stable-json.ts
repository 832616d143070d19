// The one serializer of the model. It walks only the four model arrays, so the
// credential store is unreachable; as a second line of defence any string that holds
// PEM private key material is replaced.
import type { TranslationModel } from './model.js';

const PRIVATE_KEY_MARKER = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
export const REDACTED = '[redacted: private key material]';

export function toStableJson(model: TranslationModel, indent = 2): string {
  const plain = {
    endpoints: model.endpoints,
    upstreams: model.upstreams,
    statuses: model.statuses,
    diagnostics: model.diagnostics,
  };
  return (
    JSON.stringify(
      plain,
      (_key, value: unknown) => (typeof value === 'string' && PRIVATE_KEY_MARKER.test(value) ? REDACTED : value),
      indent,
    ) + '\n'
  );
}

/** True when a text contains PEM private key material (for logs and tests). */
export function containsPrivateKey(text: string): boolean {
  return PRIVATE_KEY_MARKER.test(text);
}
