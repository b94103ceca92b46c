// The bundled example app: fastify + better-sqlite3 + molt's SDK. Runs alone (`node server.mjs`) or under
// molt (`molt run -- node server.mjs`), where it listens on the internal PORT and molt owns the public port.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import Database from 'better-sqlite3';
import { maintenance, migrate, ready, listen, requestUpdate, moltEnv, isMoltError } from 'molt/sdk';
import { migrations } from './migrations.mjs';

const env = moltEnv();
const version = (() => {
  try {
    return readFileSync(join(process.env.APP_DIR ?? process.cwd(), 'VERSION'), 'utf8').trim();
  } catch {
    return process.env.APP_VERSION ?? 'dev';
  }
})();

// 1. Database and migrations first: a failing migration exits 12 with the database unchanged, and molt rolls back.
mkdirSync(env.dataDir, { recursive: true });
const db = new Database(process.env.APP_DB ?? join(env.dataDir, 'app.db'));
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
await migrate({ db, migrations });

// 2. The server. The maintenance plugin answers the holding page while molt holds UPDATE_LOCK.json.
const app = Fastify({ logger: process.env.APP_LOG === '1' });
await app.register(maintenance, { allow: ['/health', '/version', '/admin/*'] });

const insert = db.prepare('INSERT INTO notes (body, author, created_at) VALUES (?, ?, ?)');
const list = db.prepare('SELECT id, body, author, created_at AS createdAt FROM notes ORDER BY id DESC LIMIT 50');

app.get('/health', async () => {
  db.prepare('SELECT 1').get();
  return { ok: true, version };
});
app.get('/version', async () => ({ version }));
app.get('/', async (_req, reply) =>
  reply.type('text/html; charset=utf-8').send(`<!doctype html><title>molt example</title><h1>molt example app</h1><p>version <b>${version}</b></p>`),
);
app.get('/api/notes', async () => list.all());
app.post('/api/notes', async (req, reply) => {
  const body = req.body;
  if (typeof body !== 'object' || body === null || typeof body.body !== 'string' || body.body.length === 0 || body.body.length > 10_000) {
    return reply.code(400).send({ error: 'body: expected a JSON object with a non-empty string "body" (≤ 10000 chars)' });
  }
  const info = insert.run(body.body, typeof body.author === 'string' ? body.author : 'anonymous', new Date().toISOString());
  return reply.code(201).send({ id: Number(info.lastInsertRowid) });
});

// Self-update: writes data/update-request.json, drains this server and exits 10; molt runs the transaction.
// Protect it: here with a token from the environment (EXAMPLE_ADMIN_TOKEN); without one the route is off.
app.post('/admin/update', async (req, reply) => {
  const token = process.env.EXAMPLE_ADMIN_TOKEN;
  if (!token || req.headers.authorization !== `Bearer ${token}`) return reply.code(401).send({ error: 'authorization: expected Bearer <EXAMPLE_ADMIN_TOKEN>' });
  try {
    const b = typeof req.body === 'object' && req.body !== null ? req.body : {};
    const { request } = await requestUpdate({ ref: b.ref, sha: b.sha, reason: b.reason, actor: 'example-admin' }, { server: app });
    return reply.code(202).send({ accepted: true, request });
  } catch (err) {
    if (isMoltError(err)) return reply.code(400).send({ error: err.message, code: err.code });
    throw err;
  }
});

app.addHook('onClose', async () => db.close());
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => void app.close().then(() => process.exit(0)));

// 3. Listen (internal PORT under molt, PORT/3000 otherwise), then tell molt we are ready (passes the health gate).
await listen(app);
ready();
