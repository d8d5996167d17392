/**
 * Build step (`npm run build`): renders `rag --help` into dist/cli/help.txt, so bin/rag.js can
 * print it without loading commander and every command's declarations (half of the start-up
 * cost of `rag --help`, BENCHMARKS.md §8b). Rendered at 80 columns: what commander prints when
 * stdout is not a terminal.
 */
import { writeFileSync } from 'node:fs';
import { buildProgram } from './main.js';

const program = buildProgram();
program.configureHelp({ helpWidth: 80 });
writeFileSync(new URL('./help.txt', import.meta.url), program.helpInformation());
