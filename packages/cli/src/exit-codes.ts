// Process exit codes of `kupstream` (documented in the README).
export const ExitCode = {
  /** Translated (diagnostics included), or served and shut down cleanly. */
  ok: 0,
  /** `--strict` and at least one error diagnostic. */
  strictErrors: 1,
  /** Bad usage, or input that cannot be read or parsed, or a listen address that cannot be used. */
  badInput: 2,
  /** Stopped by SIGINT / SIGTERM before it finished (128 + SIGINT, the shell's convention). */
  interrupted: 130,
  /** A bug: an unexpected error (EX_SOFTWARE). */
  internal: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
