/**
 * A real PostgreSQL-protocol server on 127.0.0.1 for tests: PGlite (PostgreSQL 18 compiled to
 * WASM, in this process) with pgvector, served by pglite-socket on a free port. Optionally
 * behind a small password front ({@link PgServerOptions.password}): PGlite itself accepts any
 * login, so the front asks for a cleartext password the way a real server does, answers a wrong
 * one with SQLSTATE 28P01, and pipes a right one through to PGlite.
 *
 * pglite-socket multiplexes several client connections onto PGlite's one session: statements
 * from different connections are queued, and an open transaction holds the others back until it
 * ends. Session state (SET, advisory locks) is therefore shared by all connections.
 */
import net from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgServerOptions {
  /** Load pgvector (default true); false gives a server where CREATE EXTENSION vector fails. */
  pgvector?: boolean;
  /** Require this password (cleartext authentication in front of PGlite). */
  password?: string;
}

export interface PgTestServer {
  host: string;
  port: number;
  /** The PGlite instance, for assertions straight against the database. */
  db: PGlite;
  /** `postgres://postgres@127.0.0.1:PORT/postgres?table=NAME` (no password). */
  url(table: string, extra?: string): string;
  /** What clients sent after logging in through the password front (latin1), for checking the SQL on the wire. */
  clientTraffic(): string;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;

/** Starts PGlite (+ pgvector) and serves it on a free loopback port. */
export async function startPgServer(options: PgServerOptions = {}): Promise<PgTestServer> {
  const db = await PGlite.create(options.pgvector === false ? {} : { extensions: { vector } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 32 });
  await server.start();
  const upstreamPort = Number(server.getServerConn().split(':').at(-1));
  let front: net.Server | undefined;
  let port = upstreamPort;
  const traffic: Buffer[] = [];
  if (options.password !== undefined) {
    front = await passwordFront(upstreamPort, options.password, traffic);
    port = (front.address() as net.AddressInfo).port;
  }
  return {
    host: '127.0.0.1',
    port,
    db,
    url: (table, extra = '') => `postgres://postgres@127.0.0.1:${port}/postgres?table=${table}${extra}`,
    clientTraffic: () => Buffer.concat(traffic).toString('latin1'),
    stop: async () => {
      if (front !== undefined) await new Promise<void>((resolve) => front!.close(() => resolve()));
      await server.stop();
      await db.close();
    },
  };
}

/** Listens on a free port; per connection: SSLRequest → 'N', startup → password check → pipe to `upstreamPort`. */
async function passwordFront(upstreamPort: number, password: string, traffic: Buffer[]): Promise<net.Server> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let startup: Buffer | undefined;
    let user = '';
    const onData = (data: Buffer): void => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (startup === undefined) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          if (length === 8 && buffer.readInt32BE(4) === SSL_REQUEST) {
            buffer = buffer.subarray(8);
            client.write('N');
            continue;
          }
          startup = Buffer.from(buffer.subarray(0, length));
          buffer = buffer.subarray(length);
          const fields = startup.subarray(8).toString('utf8').split('\0');
          const at = fields.indexOf('user');
          user = at === -1 ? '' : fields[at + 1]!;
          // AuthenticationCleartextPassword
          const auth = Buffer.alloc(9);
          auth.write('R', 0);
          auth.writeInt32BE(8, 1);
          auth.writeInt32BE(3, 5);
          client.write(auth);
          continue;
        }
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1) + 1;
        if (buffer.length < length) return;
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        const given = message.subarray(5, length - 1).toString('utf8');
        client.off('data', onData);
        if (message[0] !== 'p'.charCodeAt(0) || given !== password) {
          client.end(errorResponse('28P01', `password authentication failed for user "${user}"`));
          return;
        }
        const upstream = net.connect(upstreamPort, '127.0.0.1', () => {
          upstream.write(startup!);
          if (buffer.length > 0) upstream.write(buffer);
          client.on('data', (chunk: Buffer) => traffic.push(chunk));
          client.pipe(upstream);
          upstream.pipe(client);
        });
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        return;
      }
    };
    client.on('data', onData);
  });
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** A FATAL ErrorResponse with SQLSTATE `code`. */
export function errorResponse(code: string, message: string): Buffer {
  const body = Buffer.concat([
    ...(
      [
        ['S', 'FATAL'],
        ['V', 'FATAL'],
        ['C', code],
        ['M', message],
      ] as const
    ).map(([field, value]) => Buffer.from(`${field}${value}\0`, 'utf8')),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** A free loopback port with nothing listening on it (for "server down" tests). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
