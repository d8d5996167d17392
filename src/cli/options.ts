import { InvalidArgumentError } from 'commander';

import { parseByteSize } from '../ingest/limits.js';

/** commander parser for a positive integer option. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** commander parser for a non-negative integer option. */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected an integer >= 0, got "${value}"`);
  return n;
}

/** commander parser for a number option. */
export function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return n;
}

/** Accumulates a repeatable option (`--model a --model b`), also splitting commas. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** Parses `--k 1,3,5,10`. */
export function intList(value: string): number[] {
  return value.split(',').map((v) => positiveInt(v.trim()));
}

/** commander parser for a size in bytes: `50MB`, `200M`, `1.5G`, `512k`, `1048576`. */
export function byteSize(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined) throw new InvalidArgumentError(`expected a size such as 50MB, 200M or 1G, got "${value}"`);
  return bytes;
}
