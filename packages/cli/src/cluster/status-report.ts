// One line saying what a status write did, for translate and serve alike.
import type { StatusWriteReport } from '@kupstream/cluster';

export function describeStatusReport(report: StatusWriteReport): string {
  const count = (n: number) => `${n} status${n === 1 ? '' : 'es'}`;
  return `wrote ${count(report.written.length)} (${report.unchanged.length} unchanged, ${report.failed.length} failed)`;
}
