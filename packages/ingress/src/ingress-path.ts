// Ingress paths -> model path matches.
//   Exact                  -> Exact
//   Prefix                 -> PathPrefix, element-wise as Kubernetes defines it; a trailing
//                             "/" is dropped because Kubernetes ignores it (/foo/ matches /foo)
//   ImplementationSpecific -> the same as Prefix (our documented choice: ngrok treats it as a
//                             prefix too, and no regular expressions are implied)
import type { PathMatch } from '@kupstream/core';
import { wirePath } from '@kupstream/core/building-blocks';

export type PathProblemCode = 'IngressPathTypeInvalid' | 'IngressPathInvalid';

export interface PathProblem {
  code: PathProblemCode;
  message: string;
}

export type PathTranslation =
  { ok: true; match: PathMatch; warning?: { code: 'IngressPathTypeMissing'; message: string } } | { ok: false; problem: PathProblem };

/** Sequences Kubernetes rejects in Exact and Prefix paths. */
const INVALID_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_SUFFIXES = ['/..', '/.'];

export function translatePath(path: unknown, pathType: unknown): PathTranslation {
  let type = pathType;
  let warning: { code: 'IngressPathTypeMissing'; message: string } | undefined;
  if (type === undefined || type === null || type === '') {
    type = 'ImplementationSpecific';
    warning = {
      code: 'IngressPathTypeMissing',
      message: 'pathType is required in networking.k8s.io/v1; treated as ImplementationSpecific (a prefix match)',
    };
  }
  if (type !== 'Exact' && type !== 'Prefix' && type !== 'ImplementationSpecific') {
    return {
      ok: false,
      problem: {
        code: 'IngressPathTypeInvalid',
        message: `pathType ${JSON.stringify(type) ?? 'undefined'} is not Exact, Prefix or ImplementationSpecific; the path is not served`,
      },
    };
  }
  const raw: unknown = path === undefined || path === null ? '' : path;
  if (typeof raw !== 'string')
    return { ok: false, problem: { code: 'IngressPathInvalid', message: 'path must be a string; the path is not served' } };
  const value = raw === '' && type !== 'Exact' ? '/' : raw;
  if (!value.startsWith('/'))
    return {
      ok: false,
      problem: { code: 'IngressPathInvalid', message: `path "${value}" must be absolute (start with "/"); the path is not served` },
    };
  if (/[\s?#]/.test(value))
    return {
      ok: false,
      problem: { code: 'IngressPathInvalid', message: `path "${value}" must not contain whitespace, "?" or "#"; the path is not served` },
    };
  const bad = INVALID_SEQUENCES.find((s) => value.includes(s)) ?? INVALID_SUFFIXES.find((s) => value.endsWith(s));
  if (bad !== undefined)
    return {
      ok: false,
      problem: { code: 'IngressPathInvalid', message: `path "${value}" must not contain "${bad}"; the path is not served` },
    };
  // Requests are matched on their normalized path, where non-ASCII text is percent-encoded.
  const wire = wirePath(value);
  if (!wire.ok) return { ok: false, problem: { code: 'IngressPathInvalid', message: `path ${wire.problem}; the path is not served` } };
  const encoded = wire.path;
  const match: PathMatch =
    type === 'Exact'
      ? { type: 'Exact', value: encoded }
      : { type: 'PathPrefix', value: encoded.length > 1 ? encoded.replace(/\/+$/, '') : encoded };
  return warning ? { ok: true, match, warning } : { ok: true, match };
}
