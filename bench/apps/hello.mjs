// Minimal HTTP app for overhead and restart benchmarks: GET / → "ok", GET /crash → exit(1).
import { createServer } from 'node:http';
const port = Number(process.env.PORT ?? 3000);
const server = createServer((req, res) => {
  if (req.url === '/crash') {
    res.end('bye');
    setImmediate(() => process.exit(1));
    return;
  }
  res.setHeader('content-type', 'text/plain');
  res.end('ok');
});
server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
