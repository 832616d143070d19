// CPU time and peak RSS of a process, from /proc (Linux). CPU is user + system time in
// clock ticks (fields 14 and 15 of /proc/PID/stat); peak RSS is VmHWM, which can be reset
// by writing 5 to /proc/PID/clear_refs so one run's peak can be read on its own.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond;

/** Seconds of CPU the process (all its threads) has used so far, in user and kernel mode. */
export function cpuTimes(pid) {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / ticksPerSecond, system: Number(fields[12]) / ticksPerSecond };
}

export function cpuSeconds(pid) {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

function status(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Peak resident set (MiB) since start or since the last resetPeakRss(). */
export const peakRssMiB = (pid) => status(pid, 'VmHWM');
export const rssMiB = (pid) => status(pid, 'VmRSS');

/** Resets VmHWM to the current RSS; false when the kernel refuses (then the peak is lifetime). */
export function resetPeakRss(pid) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU seconds of a process and its direct children (an nginx master and its workers). */
export function treeCpuSeconds(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Kernels without CONFIG_PROC_CHILDREN: the leader alone.
  }
  return [pid, ...children].reduce((sum, p) => {
    try {
      return sum + cpuSeconds(p);
    } catch {
      return sum;
    }
  }, 0);
}
