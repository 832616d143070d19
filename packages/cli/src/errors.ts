// Errors the CLI expects and reports as one clear message each (never a stack trace).
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** The command line itself is wrong: reported with a pointer to the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode: ExitCodeValue = ExitCode.badInput;
  constructor(
    message: string,
    /** The command whose usage to print (undefined: the top-level usage). */
    readonly command?: 'translate' | 'serve',
  ) {
    super(message);
  }
}

/** Input cannot be read or parsed. Holds every problem found, each naming its file and position. */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly exitCode: ExitCodeValue = ExitCode.badInput;
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

/** Something the environment refused (e.g. the listen address is in use). */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly exitCode: ExitCodeValue = ExitCode.badInput;
}

/** The libraries' refusals to start (an address the agent's listeners could not bind, a worker that could not serve) are StartupErrors here. */
const STARTUP_ERRORS = new Set(['ListenError', 'WorkerStartupError']);

export function asStartupError(error: unknown): unknown {
  return error instanceof Error && STARTUP_ERRORS.has(error.name) ? new StartupError(error.message) : error;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
