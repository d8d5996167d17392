import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { exitCodeForError } from '../src/cli/exit-codes.js';
import { ERROR_CODES, type ErrorCode } from '../src/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The README section under `heading`, up to the next heading of any level. */
async function readmeSection(heading: string): Promise<string> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has no "${heading}" section`);
  const rest = readme.slice(start + heading.length + 2);
  const end = rest.search(/\n#{1,6} /);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Every name src/index.ts exports, values and types alike, as the compiler sees them. */
function exportedNames(): string[] {
  const entry = path.join(root, 'src/index.ts');
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  assert.ok(source);
  const symbol = checker.getSymbolAtLocation(source);
  assert.ok(symbol);
  return checker.getExportsOfModule(symbol).map((s) => s.getName()).sort();
}

describe('public API', () => {
  it('src/index.ts exports exactly the names the README lists', async () => {
    const section = await readmeSection('### Public API');
    const listed = [...section.matchAll(/^- \*\*[^*]+\*\*[^:]*:(.*)$/gm)].flatMap((m) => [...(m[1] ?? '').matchAll(/`([A-Za-z_][\w]*)`/g)].map((n) => n[1] ?? ''));
    assert.ok(listed.length > 50, `only ${listed.length} names found in the README list`);
    assert.equal(new Set(listed).size, listed.length, 'a name is listed twice');
    assert.deepEqual([...listed].sort(), exportedNames());
  });

  it('has no export * and leaks no internals', async () => {
    const text = await readFile(path.join(root, 'src/index.ts'), 'utf8');
    assert.doesNotMatch(text, /^export (type )?\*/m);
    const names = exportedNames();
    for (const internal of ['COMMIT_STEPS', 'assertWritable', 'efFor', 'matchPgPass', 'EXACT_SEARCH_WORK']) assert.ok(!names.includes(internal), internal);
  });

  it('every runtime export the README lists exists in the built module', async () => {
    const library: Record<string, unknown> = await import('../src/index.js');
    const names = exportedNames(); // one compiler program, not one per export
    for (const name of Object.keys(library)) assert.ok(names.includes(name), name);
    assert.equal(typeof library['ingest'], 'function');
  });
});

describe('error codes', () => {
  it('the README table lists every code with the exit status the CLI uses', async () => {
    const section = await readmeSection('### Error codes');
    const rows = [...section.matchAll(/^\| `([a-z-]+)` \| (\d+) \| (.+) \|$/gm)].map((m) => ({ code: m[1] ?? '', exit: Number(m[2]), meaning: m[3] ?? '' }));
    assert.deepEqual(rows.map((r) => r.code).sort(), Object.keys(ERROR_CODES).sort());
    for (const row of rows) {
      assert.equal(row.exit, exitCodeForError(row.code as ErrorCode), row.code);
      assert.equal(row.meaning, ERROR_CODES[row.code as ErrorCode], row.code);
    }
  });
});
