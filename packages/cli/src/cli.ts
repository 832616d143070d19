// The `kupstream` binary: process wiring only (signals, broken pipes, last-resort errors).
import { runCli, reportInternalError } from './run-cli.js';

const stop = new AbortController();
let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // The first signal stops cleanly; a second one means "now".
    if (++signals > 1) process.exit(130);
    stop.abort();
  });
}

// `kupstream translate ... | head`: the reader went away; that is not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.exit(reportInternalError(error, process));
});

const lastResort = (error: unknown) => {
  process.exitCode = reportInternalError(error, process);
  process.exit();
};
process.on('uncaughtException', lastResort);
process.on('unhandledRejection', lastResort);

runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signal: stop.signal }).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; should a handle linger anyway, do not hang the shell.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  lastResort,
);
