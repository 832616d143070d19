// Spec output, plus a machine-readable summary (.test-results.json) that
// scripts/test.mjs adds up into the final "N passed, N failed" line.
'use strict';
const Mocha = require('mocha');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

class KupstreamReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, pending: 0 };
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, () => counts.passed++);
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, () => counts.failed++);
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, () => counts.pending++);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      writeFileSync(join(process.cwd(), '.test-results.json'), JSON.stringify(counts) + '\n');
    });
  }
}
module.exports = KupstreamReporter;
