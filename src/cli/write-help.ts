/**
 * Build step (`npm run build`): renders `rag --help` into dist/cli/help.txt, so bin/rag.js can
 * print it without loading commander and every command's declarations (half of the start-up
 * cost of `rag --help`, BENCHMARKS.md §8b). Rendered at 80 columns: what commander prints when
 * stdout is not a terminal.
 */
import { writeFileSync } from 'node:fs';
import { buildProgram } from './build-program.js';

// The prerendered text is the English help, whatever the build machine's locale (bin/rag.js
// prints it only under a non-Chinese locale).
process.env['RAG_LANG'] = 'en';
const program = buildProgram();
program.configureHelp({ helpWidth: 80 });
writeFileSync(new URL('./help.txt', import.meta.url), program.helpInformation());
