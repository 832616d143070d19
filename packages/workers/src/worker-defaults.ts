// The defaults and bounds of `serve --workers N`, in one table.

export const WORKER_DEFAULTS = {
  /** Worker processes: 1 serves in the primary process itself, as without the flag. */
  count: 1,
  /** More would be a misconfiguration (one worker per CPU is the useful most). */
  maxCount: 64,
  /** First delay before a worker that exited is replaced; doubles while replacements keep exiting. */
  restartBackoffMinMs: 250,
  restartBackoffMaxMs: 10_000,
  /** A worker that served this long counts as healthy: the next replacement waits the minimum again. */
  stableAfterMs: 10_000,
  /** Workers send request-log entries and metric counts to the primary in batches this often. */
  trafficFlushMs: 100,
  /** Request-log entries one batch carries at most (the log keeps the newest 200 anyway). */
  maxEntriesPerFlush: 200,
  /** Workers report their upstream pool statistics this often (only with --admin). */
  statsIntervalMs: 1000,
  /** After --shutdown-timeout, workers still running get this long to exit before SIGKILL. */
  exitGraceMs: 2000,
} as const;
