// The whole CLI as one function: argv and streams in, exit code out. Every error ends
// here as one message on stderr; nothing escapes as a stack trace.
import { parseCommandLine } from './args.js';
import { InputError, StartupError, UsageError, errorMessage } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { writeOut, type CliIo } from './io.js';
import { createLogger } from './log.js';
import { runServe } from './serve-command.js';
import { runTranslate } from './translate-command.js';
import { usageFor } from './usage.js';
import { cliVersion } from './version.js';

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const log = createLogger(io.stderr);
  try {
    const command = parseCommandLine(argv);
    switch (command.name) {
      case 'help':
        await writeOut(io.stdout, usageFor(command.topic));
        return ExitCode.ok;
      case 'version':
        await writeOut(io.stdout, `kupstream ${cliVersion()}\n`);
        return ExitCode.ok;
      case 'translate':
        return await runTranslate(command.flags, io);
      case 'serve':
        return await runServe(command.flags, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      log.line(error.message);
      io.stderr.write(`\n${usageFor(error.command)}`);
      return error.exitCode;
    }
    if (error instanceof InputError || error instanceof StartupError) {
      log.line(error.message);
      return error.exitCode;
    }
    return reportInternalError(error, io);
  }
}

/** A bug: one line, no stack (it could quote input), and the conventional EX_SOFTWARE code. */
export function reportInternalError(error: unknown, io: Pick<CliIo, 'stderr'>): number {
  const message = errorMessage(error).split('\n')[0] ?? '';
  createLogger(io.stderr).line(`internal error: ${message} (please report this)`);
  return ExitCode.internal;
}
