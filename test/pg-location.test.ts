import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { displayLocation, isPostgresLocation, parsePgLocation } from '../src/store/pg/location.js';
import { matchPgPass } from '../src/store/pg/pgpass.js';

describe('parsePgLocation', () => {
  test('reads user, password, host, port, database, table and TLS settings; display drops the password', () => {
    const l = parsePgLocation('postgresql://ann:p%40ss%3Aw@db.example.com:6543/corpus?table=kb_chunks&sslmode=verify-full&sslrootcert=/ca.pem', {});
    assert.deepEqual(
      { host: l.host, port: l.port, user: l.user, password: l.password, database: l.database, table: l.table, ssl: l.sslMode, ca: l.sslRootCert },
      { host: 'db.example.com', port: 6543, user: 'ann', password: 'p@ss:w', database: 'corpus', table: 'kb_chunks', ssl: 'verify-full', ca: '/ca.pem' },
    );
    assert.equal(l.display, 'postgresql://ann@db.example.com:6543/corpus?table=kb_chunks&sslmode=verify-full&sslrootcert=/ca.pem');
  });

  test('defaults: port 5432, $PGUSER, database = user, table rag_chunks, sslmode $PGSSLMODE or disable', () => {
    const l = parsePgLocation('postgres://localhost', { PGUSER: 'bob' });
    assert.deepEqual([l.port, l.user, l.database, l.table, l.sslMode, l.password], [5432, 'bob', 'bob', 'rag_chunks', 'disable', undefined]);
    assert.equal(parsePgLocation('postgres://localhost', { PGSSLMODE: 'require' }).sslMode, 'require');
  });

  test('refuses bad tables, unknown parameters and sslmodes in one line without the password', () => {
    const bad = [
      ['postgres://u:secret@h/db?table=Bad', /table "Bad" must be a lowercase identifier/],
      ['postgres://u:secret@h/db?table=a-b', /table "a-b" must be a lowercase identifier/],
      ['postgres://u:secret@h/db?tabel=x', /unknown parameter "tabel"/],
      ['postgres://u:secret@h/db?sslmode=prefer', /sslmode "prefer" is not supported; use disable, require, verify-ca, verify-full/],
    ] as const;
    for (const [url, message] of bad) {
      assert.throws(() => parsePgLocation(url, {}), (error: Error) => error.name === 'RagError' && message.test(error.message) && !error.message.includes('secret'));
    }
  });

  test('isPostgresLocation and displayLocation', () => {
    assert.equal(isPostgresLocation('postgres://h/db'), true);
    assert.equal(isPostgresLocation('POSTGRESQL://h/db'), true);
    assert.equal(isPostgresLocation('./postgres'), false);
    assert.equal(displayLocation('postgres://u:pw@h/db?table=t'), 'postgres://u@h/db?table=t');
    assert.equal(displayLocation('.rag'), '.rag');
  });
});

describe('matchPgPass', () => {
  const query = { host: 'db', port: 5432, database: 'corpus', user: 'ann' };
  test('first matching line wins; * matches any field; \\: and \\\\ escape', () => {
    const text = ['# comment', 'other:5432:corpus:ann:no', 'db:*:corpus:ann:pa\\:ss\\\\w:ord', 'db:5432:*:*:later'].join('\n');
    assert.equal(matchPgPass(text, query), 'pa:ss\\w:ord');
    assert.equal(matchPgPass('*:*:*:*:any\n', query), 'any');
    assert.equal(matchPgPass('db:5433:corpus:ann:x\n', query), undefined);
    assert.equal(matchPgPass('db:5432:corpus\n', query), undefined);
  });
});
