// molt demo app: plain node:http, no dependencies. release.json says which demo release this is;
// a "broken" release answers 500 on /health so molt's health gate fails and rolls it back.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const release = JSON.parse(readFileSync(new URL('./release.json', import.meta.url), 'utf8'));
const port = Number(process.env.PORT ?? 3001);
const started = Date.now();
let hits = 0;

const page = () => `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>molt demo v${release.version}</title>
<style>body{font:16px system-ui;max-width:640px;margin:10vh auto;padding:0 16px;color:#1d2330}code{background:#eef;padding:2px 6px;border-radius:4px}</style>
<h1>molt demo app — release v${release.version}</h1><p>${release.message}</p>
<p>Served ${++hits} requests since this process started ${Math.round((Date.now() - started) / 1000)} s ago (pid ${process.pid}).</p>
<p>Publish a new release with <code>npm run demo:release</code> or the console's Update page, then press Update.</p>`;

createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(release.broken ? 500 : 200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ ok: !release.broken, version: release.version }));
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page());
}).listen(port, '127.0.0.1', () => {
  console.log(`demo app v${release.version} listening on ${port}${release.broken ? ' (broken release: /health answers 500)' : ''}`);
  if (process.send && !release.broken) process.send({ molt: 'ready' });
});
process.on('SIGTERM', () => process.exit(0));
