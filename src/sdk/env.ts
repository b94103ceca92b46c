import { join, resolve } from 'node:path';

/** What the SDK learns from the environment the supervisor gives the app. */
export interface MoltEnvironment {
  /** True when the app runs under `molt run` (MOLT_SUPERVISED=1). */
  supervised: boolean;
  /** The internal port to listen on when supervised (`PORT`). */
  port: number | undefined;
  /** molt's data dir (UPDATE_LOCK.json, update-request.json live here). */
  dataDir: string;
}

/** Reads MOLT_SUPERVISED, PORT and MOLT_DATA_DIR (default `<cwd>/data`). */
export function moltEnv(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): MoltEnvironment {
  const port = env.PORT !== undefined && /^\d+$/.test(env.PORT) ? Number(env.PORT) : undefined;
  return {
    supervised: env.MOLT_SUPERVISED === '1',
    port,
    dataDir: env.MOLT_DATA_DIR ? resolve(cwd, env.MOLT_DATA_DIR) : join(cwd, 'data'),
  };
}
