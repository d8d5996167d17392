#!/usr/bin/env node
// The `rag` executable: runs the compiled CLI (npm install builds it through `prepare`).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Answered without loading the CLI (commander and every command's declarations).
  const { packageVersion } = await import('../dist/cli/version.js');
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(process.argv);
}
