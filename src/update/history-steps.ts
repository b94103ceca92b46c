import type { StepTiming } from './api.js';
import type { Journal } from './journal.js';

/** Journal steps as history timings (undo steps prefixed `rollback:`), pending ones left out. */
export function toHistorySteps(j: Journal): StepTiming[] {
  const conv = (prefix: string) => (s: Journal['steps'][number]): StepTiming[] =>
    s.status === 'pending' || s.status === 'started'
      ? []
      : [{ step: prefix + s.name, status: s.status, startedAt: s.startedAt ?? '', durationMs: s.durationMs ?? 0, ...(s.detail ? { detail: s.detail } : {}) }];
  return [...j.steps.flatMap(conv('')), ...j.undo.flatMap(conv('rollback:'))];
}
