/**
 * molt's app SDK (`import { ... } from 'molt/sdk'`): maintenance mode, update requests, migrations,
 * readiness and the listen helper. See docs/sdk.md and examples/app/.
 */
import '../core/tick-shape.js';
export { maintenance, allowMatcher, type MaintenanceOptions } from './maintenance.js';
export { MaintenanceWatcher, LOCK_FILE, type MaintenanceSnapshot, type MaintenanceWatcherOptions } from './maintenance-state.js';
export { requestUpdate, type UpdateRequestInput, type RequestUpdateOptions, type RequestUpdateResult } from './request-update.js';
export { migrate, type Migration, type MigrateOptions, type MigrateResult } from './migrate.js';
export { ready } from './ready.js';
export { listen, type ListenOptions, type Listenable } from './listen.js';
export { acceptHandoff, stopHandoff, type HandoffServer, type HandoffOptions } from './handoff.js';
export { moltEnv, type MoltEnvironment } from './env.js';
export { EXIT } from '../supervisor/exit-codes.js';
export { MoltError, isMoltError } from '../core/errors.js';
