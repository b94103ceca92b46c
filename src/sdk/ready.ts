/**
 * Tells the supervisor the app is ready to serve. Over the IPC channel molt opened, this passes the health gate at
 * once (the supervisor logs `app_ready`). Returns false when there is no supervisor to tell (plain `node server.js`).
 */
export function ready(): boolean {
  if (typeof process.send !== 'function' || !process.connected) return false;
  process.send({ molt: 'ready' });
  return true;
}
