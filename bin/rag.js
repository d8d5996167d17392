#!/usr/bin/env node
// The `rag` executable: runs the compiled CLI (npm install builds it through `prepare`).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const only = args.length === 1 ? args[0] : undefined;
if (only === '--version' || only === '-V') {
  // Answered without loading the CLI (commander and every command's declarations).
  const { packageVersion } = await import('../dist/version.js');
  process.stdout.write(`${packageVersion()}\n`);
} else if ((only === '--help' || only === '-h') && (process.stdout.columns ?? 80) >= 80 && !chineseLocale() && printRenderedHelp()) {
  // Printed from the text the build rendered (80 columns); a narrower terminal gets commander's.
} else {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv);
}

/** Prints dist/cli/help.txt (written by `npm run build`); false when it is missing. */
function printRenderedHelp() {
  let help;
  try {
    help = readFileSync(new URL('../dist/cli/help.txt', import.meta.url), 'utf8');
  } catch {
    return false;
  }
  process.stdout.write(help);
  return true;
}

/** The prerendered help is English; a Chinese locale (src/cli/i18n/locale.ts decides) gets commander's. */
function chineseLocale() {
  const env = process.env;
  const name = [env.RAG_LANG, env.LC_ALL, env.LC_MESSAGES, env.LANG].map((v) => v?.trim()).find((v) => v);
  return name !== undefined && name.toLowerCase().startsWith('zh');
}
