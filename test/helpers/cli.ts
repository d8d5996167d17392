/**
 * Runs the built `rag` CLI (bin/rag.js -> dist/) as a real child process for end-to-end tests.
 * Every run gets NO_COLOR=1, its own embedding cache folder and no CI-specific variables unless a
 * test passes them, so results do not depend on the developer's machine.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(REPO, 'bin', 'rag.js');

export interface CliResult {
  /** Exit code, or null when the process was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Working directory of the process (usually a temp dir). */
  cwd: string;
  /** Extra environment; a value of undefined removes the variable. */
  env?: Record<string, string | undefined>;
  /** Kill the process (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  /** Run as this user and group (a root test process can drop privileges this way). */
  user?: { uid: number; gid: number };
}

/** Variables that would change the CLI's output or write outside the test's temp dirs. */
// The locale decides the language of the CLI's messages: tests ask for one explicitly.
const SCRUBBED = ['GITHUB_STEP_SUMMARY', 'FORCE_COLOR', 'CI', 'HF_ENDPOINT', 'OPENAI_BASE_URL', 'OLLAMA_HOST', 'RAG_LANG', 'LC_ALL', 'LC_MESSAGES', 'LANG'];

function cliEnv(options: CliOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  env.NO_COLOR = '1';
  env.RAG_CACHE_DIR = path.join(options.cwd, '.rag-cache');
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function assertBuilt(): void {
  if (!existsSync(path.join(REPO, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` first (npm test does)');
  }
}

/** Starts `node bin/rag.js ...args` without waiting (for tests that kill it). */
export function spawnCli(args: readonly string[], options: CliOptions): ChildProcess {
  assertBuilt();
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: cliEnv(options),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.user ?? {}),
  });
}

/** Runs `node bin/rag.js ...args` to completion and captures its output. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const child = spawnCli(args, options);
  return collect(child, options.timeoutMs ?? 60_000);
}

/** Waits for a spawned CLI process to end and returns what it printed. */
export function collect(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A fresh temp directory under the OS temp dir. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `rag-${prefix}-`));
}

/** The lines of a stream's output, without the trailing empty line. */
export function lines(text: string): string[] {
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all;
}
