// Minimal fastify app for the maintenance-plugin overhead bench: GET / → {"ok":true}. MAINTENANCE=1 registers the
// SDK plugin (inactive: no UPDATE_LOCK.json), so the difference is the plugin's per-request cost.
import Fastify from 'fastify';
import { maintenance } from 'molt/sdk';

const app = Fastify();
if (process.env.MAINTENANCE === '1') await app.register(maintenance, { allow: ['/health'] });
app.get('/', async () => ({ ok: true }));
app.get('/health', async () => ({ ok: true }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
