// The options every translator takes, and their resolution once per translation (one clock read).
import { metaTime } from './conditions.js';

/** Options every translator takes; each has a default. */
export interface TranslateOptions {
  /** The clock used for certificate validity and condition transition times. Default: `() => new Date()`. */
  now?: () => Date;
  /** Cluster DNS domain. Upstream hosts are `<svc>.<ns>`; a non-default domain is appended. Default `cluster.local`. */
  clusterDomain?: string;
  /** Namespace of objects without `metadata.namespace`. Default `default`. */
  defaultNamespace?: string;
}

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const DEFAULT_NAMESPACE = 'default';

export interface ResolvedTranslateOptions {
  now: Date;
  /** `now` as metav1.Time, formatted once: the transition time of every condition this translation sets. */
  transitionTime: string;
  clusterDomain: string;
  defaultNamespace: string;
}

/** Reads the clock once per translation so every condition carries the same time. */
export function resolveTranslateOptions(options: TranslateOptions = {}): ResolvedTranslateOptions {
  let now = options.now ? options.now() : new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) now = new Date(0);
  return {
    now,
    transitionTime: metaTime(now),
    clusterDomain: options.clusterDomain || DEFAULT_CLUSTER_DOMAIN,
    defaultNamespace: options.defaultNamespace || DEFAULT_NAMESPACE,
  };
}
