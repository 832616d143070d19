// The bounds on manifest input, in one table: far above any real manifest set, low enough
// that a mistaken or hostile input gets a message instead of minutes of CPU or a crash.
import { DEFAULT_LIST_ITEMS_PER_DOCUMENT } from '@kupstream/core';

export const MANIFEST_LIMITS = {
  /** Bytes of one file (or of stdin). */
  sourceBytes: 64 * 1024 * 1024,
  /** Bytes of one YAML document of a file (Kubernetes itself stores objects of at most ~1.5 MiB). */
  documentBytes: 16 * 1024 * 1024,
  /** YAML documents in one file. */
  documentsPerSource: 10_000,
  /** Items of the Lists of one YAML document, nested Lists counted too (each one is an object to check and report). */
  listItemsPerDocument: DEFAULT_LIST_ITEMS_PER_DOCUMENT,
  /** Aliases expanding into more nodes than this are refused (the "billion laughs" attack). */
  aliasCount: 100,
} as const;
