import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CountTable } from '../src/embed/count-table.js';
import { mulberry32 as random32 } from '../src/random.js';

function assertSameAs(table: CountTable, reference: Map<number, number>): void {
  assert.equal(table.size, reference.size);
  const { keys, counts } = table.sortedEntries();
  const expected = [...reference.keys()].sort((a, b) => a - b);
  assert.deepEqual([...keys], expected);
  assert.deepEqual(
    [...counts],
    expected.map((key) => reference.get(key)),
  );
  for (const key of expected) assert.equal(table.get(key), reference.get(key));
}

test('CountTable matches a Map under random adds and subtracts, through growth and deletions', () => {
  const next = random32(7);
  // A small key pool makes long probe runs and many deletions inside them; the extreme keys check
  // that 0 and 2^32 - 1 are ordinary keys.
  const pool = Array.from({ length: 3000 }, () => next());
  pool.push(0, 0xffffffff, 0x80000000);
  const table = new CountTable();
  const reference = new Map<number, number>();
  for (let step = 0; step < 200_000; step++) {
    const key = pool[next() % pool.length]!;
    const current = reference.get(key) ?? 0;
    if (current > 0 && next() % 3 === 0) {
      const amount = 1 + (next() % current);
      table.subtract(key, amount);
      if (amount === current) reference.delete(key);
      else reference.set(key, current - amount);
    } else {
      const amount = 1 + (next() % 4);
      table.add(key, amount);
      reference.set(key, current + amount);
    }
    if (step % 50_000 === 0) assertSameAs(table, reference);
  }
  assertSameAs(table, reference);
  // Absent keys read as 0, including ones that share a probe run with present keys.
  for (let i = 0; i < 1000; i++) {
    const key = next();
    assert.equal(table.get(key), reference.get(key) ?? 0);
  }
});

test('CountTable: removing every entry leaves an empty table that still works', () => {
  const next = random32(11);
  const keys = Array.from({ length: 5000 }, () => next());
  const table = new CountTable(10);
  for (const key of keys) table.add(key);
  for (const key of keys) table.subtract(key, table.get(key));
  assert.equal(table.size, 0);
  assert.equal(table.sortedEntries().keys.length, 0);
  table.add(42, 3);
  assert.equal(table.get(42), 3);
});

test('CountTable refuses to subtract more than a count', () => {
  const table = new CountTable();
  table.add(5, 2);
  assert.throws(() => table.subtract(5, 3), RangeError);
  assert.throws(() => table.subtract(6, 1), RangeError);
  assert.equal(table.get(5), 2);
});
