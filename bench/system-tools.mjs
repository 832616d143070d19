// The data-plane suite drives two Debian programs: nginx (the reference proxy and the
// mTLS upstream) and wrk (the load generator). `pnpm bench` must work on a fresh clone,
// so they are installed when missing — only as root, since apt-get needs it.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

export const NGINX = process.env.NGINX_BINARY ?? '/usr/sbin/nginx';

function hasWrk() {
  // `wrk -v` prints its version and exits 1; only ENOENT means it is absent.
  return !spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error;
}

function apt(args) {
  const run = spawnSync('apt-get', args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return run.status === 0;
}

/** Installs the Debian packages `nginx` and `wrk` when absent; throws when that is not possible. */
export function ensureDebianTools({ log = (line) => console.error(line) } = {}) {
  const missing = [...(existsSync(NGINX) ? [] : ['nginx']), ...(hasWrk() ? [] : ['wrk'])];
  if (!missing.length) return;
  if (process.getuid?.() !== 0)
    throw new Error(`the data-plane suite needs ${missing.join(' and ')}: apt-get install -y ${missing.join(' ')}`);
  log(`data plane: installing ${missing.join(', ')} from Debian`);
  // The nginx package starts a system-wide nginx on :80 from its postinst; the suite runs
  // its own instances, so services are kept from starting (as .ci/run does).
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    // A fresh image has empty package lists; update only when the first attempt fails.
    if (!apt(['install', '-y', '--no-install-recommends', ...missing])) {
      apt(['update']);
      if (!apt(['install', '-y', '--no-install-recommends', ...missing])) throw new Error(`apt-get install -y ${missing.join(' ')} failed`);
    }
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  if (!existsSync(NGINX) || !hasWrk()) throw new Error(`${missing.join(' and ')} still missing after apt-get install`);
}
