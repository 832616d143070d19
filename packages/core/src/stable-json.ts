// The one serializer of the model. It walks only the four model arrays, so the
// credential store is unreachable; as a second line of defence any string that holds
// PEM private key material is replaced.
import type { TranslationModel } from './model.js';
import { containsPrivateKey, REDACTED_KEY } from './redaction.js';

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
      (_key, value: unknown) => (typeof value === 'string' && containsPrivateKey(value) ? REDACTED_KEY : value),
      indent,
    ) + '\n'
  );
}
