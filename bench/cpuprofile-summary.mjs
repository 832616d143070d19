// Summarizes a V8 .cpuprofile (node --cpu-prof): the functions with the most self time,
// and self time grouped by file, so a data-plane gap can be traced to the code behind it.
//   node bench/cpuprofile-summary.mjs FILE.cpuprofile [top=25]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** @returns {{ totalMs: number, functions: { name: string, where: string, selfMs: number, share: number }[], files: { file: string, selfMs: number, share: number }[] }} */
export function summarizeProfile(file, top = 25) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++)
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byFunction = new Map();
  const byFile = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url.replace(/^.*\/(packages|node_modules)\//, '$1/').replace(/^file:\/\//, '');
    const where = url ? `${short}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const fileKey = url ? short : `(${functionName})`;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
  }
  const rank = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    totalMs: total / 1000,
    functions: rank(byFunction).map(([key, us]) => ({
      name: key.split(' ')[0],
      where: key.split(' ').slice(1).join(' '),
      selfMs: us / 1000,
      share: us / total,
    })),
    files: rank(byFile).map(([f, us]) => ({ file: f, selfMs: us / 1000, share: us / total })),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const summary = summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25));
  console.log(`total sampled ${summary.totalMs.toFixed(0)} ms\n\nself time by function:`);
  for (const f of summary.functions)
    console.log(`${(f.share * 100).toFixed(1).padStart(5)} % ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}`);
  console.log('\nself time by file:');
  for (const f of summary.files)
    console.log(`${(f.share * 100).toFixed(1).padStart(5)} % ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.file}`);
}
