/**
 * junit.xml: one test case per run (always passing, metrics in system-out) and one per gate
 * check (failing when violated), so CI systems show the evaluation like a test run.
 */
import type { GateResult } from '../gate.js';
import type { EvalResults } from '../types.js';
import { runLabel } from '../types.js';
import { describeEquivalence } from '../equivalence.js';
import { escapeXml as x, fmtMetric, fmtP, metricColumns } from './format.js';

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => ` ${k}="${x(String(v))}"`)
    .join('');
}

/** Renders junit.xml. */
export function renderJunit(results: EvalResults, gate?: GateResult): string {
  const suiteName = `rag eval ${results.dataset.name}`;
  const columns = metricColumns(results);
  const lines: string[] = [];

  const runCases = results.runs.map((r) => {
    const summary = columns.map((k) => `${k}=${fmtMetric(r.metrics[k])}`).join(' ');
    const c = results.comparisons.find((x) => x.candidate.model === r.model && x.candidate.mode === r.mode);
    // The run's comparison with the first run, so CI test views show the verdicts too.
    const vs =
      c === undefined
        ? ''
        : `\nvs ${runLabel(c.baseline)}: ${c.metric} delta=${c.result.meanDiff.toFixed(4)} ci=[${c.result.ci[0].toFixed(4)}, ${c.result.ci[1].toFixed(4)}] p=${fmtP(c.result.pValue)} p_adjusted(${c.correction})=${fmtP(c.pAdjusted)} ${c.significant ? 'significant' : 'not significant'}${c.power.underpowered ? ' underpowered' : ''} wins/ties/losses=${c.wins}/${c.ties}/${c.losses} mde=${c.power.mde.toFixed(4)}${c.equivalence === null ? '' : ` ${describeEquivalence(c.equivalence)}`}`;
    return [
      `    <testcase${attrs({ classname: 'rag.eval.runs', name: runLabel(r), time: r.cost.wallSeconds.toFixed(3) })}>`,
      `      <system-out>${x(`${summary} evaluated=${r.evaluatedQueries} skipped=${r.skippedQueries.length}${vs}`)}</system-out>`,
      '    </testcase>',
    ].join('\n');
  });

  const gateCases: string[] = [];
  let gateFailures = 0;
  let gateSkipped = 0;
  if (gate !== undefined) {
    for (const c of gate.checks) {
      const name = `${runLabel(c.run)} ${c.metric} ${c.kind}`;
      if (c.passed) {
        gateCases.push(`    <testcase${attrs({ classname: 'rag.eval.gate', name })}/>`);
      } else {
        gateFailures += 1;
        gateCases.push(
          [
            `    <testcase${attrs({ classname: 'rag.eval.gate', name })}>`,
            `      <failure${attrs({ message: c.message, type: c.kind })}>${x(c.message)}</failure>`,
            '    </testcase>',
          ].join('\n'),
        );
      }
    }
    for (const r of gate.missingFromBaseline) {
      gateSkipped += 1;
      gateCases.push(
        [
          `    <testcase${attrs({ classname: 'rag.eval.gate', name: `${runLabel(r)} baseline` })}>`,
          `      <skipped${attrs({ message: 'not in the baseline, not checked' })}/>`,
          '    </testcase>',
        ].join('\n'),
      );
    }
  }

  const totalTests = runCases.length + gateCases.length;
  lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  lines.push(`<testsuites${attrs({ name: suiteName, tests: totalTests, failures: gateFailures, errors: 0, skipped: gateSkipped })}>`);
  lines.push(`  <testsuite${attrs({ name: `${suiteName} runs`, tests: runCases.length, failures: 0, errors: 0, skipped: 0 })}>`);
  lines.push(...runCases);
  lines.push('  </testsuite>');
  if (gate !== undefined) {
    lines.push(
      `  <testsuite${attrs({ name: `${suiteName} gate`, tests: gateCases.length, failures: gateFailures, errors: 0, skipped: gateSkipped })}>`,
    );
    lines.push(...gateCases);
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
