// The whole CLI as one function: argv and streams in, exit code out. Every error ends
// here as one message on stderr; nothing escapes as a stack trace.
import { parseCommandLine } from './args/args.js';
import { InputError, StartupError, UsageError, errorMessage } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { writeOut, type CliIo } from './io.js';
import { createLogger, type Logger } from './log/log.js';
import { runServe } from './serve/serve-command.js';
import { runTranslate } from './translate/translate-command.js';
import { usageFor } from './args/usage.js';
import { cliVersion } from './version.js';

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let log: Logger = createLogger(io.stderr);
  try {
    const command = parseCommandLine(argv);
    if (command.name === 'serve' && command.flags.logFormat === 'json')
      log = (await import('./log/json-log.js')).createJsonLogger(io.stderr);
    switch (command.name) {
      case 'help':
        await writeOut(io.stdout, usageFor(command.topic));
        return ExitCode.ok;
      case 'version':
        await writeOut(io.stdout, `kupstream ${cliVersion()}\n`);
        return ExitCode.ok;
      case 'translate':
        return await runTranslate(command.flags, io, log);
      case 'serve':
        return await runServe(command.flags, io, log);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      log.error(error.message);
      io.stderr.write(`\n${usageFor(error.command)}`);
      return error.exitCode;
    }
    if (error instanceof InputError || error instanceof StartupError) {
      log.error(error.message);
      return error.exitCode;
    }
    return reportInternalError(error, io, log);
  }
}

/** A bug: one line, no stack (it could quote input), and the conventional EX_SOFTWARE code. */
export function reportInternalError(error: unknown, io: Pick<CliIo, 'stderr'>, log: Logger = createLogger(io.stderr)): number {
  const message = errorMessage(error).split('\n')[0] ?? '';
  log.error(`internal error: ${message} (please report this)`);
  return ExitCode.internal;
}
