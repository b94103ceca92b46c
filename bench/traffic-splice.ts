// Bench-only comparison point: a raw TCP splice (accept, connect to the app, pipe both ways). It cannot answer the
// holding page per request or observe status codes; it shows what the cheapest user-space forwarding costs.
// Usage: node dist/bench/traffic-splice.js <listenPort> <targetPort>
import { createServer, connect } from 'node:net';

const [listenPort, targetPort] = process.argv.slice(2).map(Number);
const server = createServer({ noDelay: true }, (client) => {
  const up = connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
  client.pipe(up).pipe(client);
  const kill = () => (client.destroy(), up.destroy());
  client.on('error', kill);
  up.on('error', kill);
});
server.listen(listenPort, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
