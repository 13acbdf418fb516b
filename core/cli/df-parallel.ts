// `introspect df -P N`: up to N guests read at once, each in a worker thread (core/cli/df-worker.ts)
// with its own Introspector; results come back as plain data, in any order, and are handed on in the
// order the guests were given.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ImageSpec } from '../pipeline/introspector.js';
import type { DfGuestResult } from '../views/df-result.js';

/** What every worker needs to build the Introspector the parent built. */
export interface DfWorkerInit {
  cwd: string;
  /** The configuration file the parent loaded (absolute); undefined: none (no file found, or --no-config). */
  configFile?: string;
  /** --profile as given. */
  profile?: string;
  /** --allow-backing folders, already absolute. */
  allowBacking: string[];
}

export interface DfWorkerJob {
  index: number;
  images: ImageSpec[];
  name: string;
}

export interface DfWorkerReply {
  index: number;
  result: DfGuestResult;
  bytesRead: number;
  reads: number;
}

/**
 * The compiled worker entry next to this module: dist/bin/df-worker.js beside the bundled
 * dist/bin/introspect.js, dist/core/cli/df-worker.js beside dist/core/cli/df-parallel.js. Run from
 * TypeScript source (vitest) there is none: worker threads cannot load .ts, the caller reads in-process.
 */
export function dfWorkerEntry(): URL | undefined {
  const url = new URL('./df-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * Runs `jobs` on `threads` workers; `onResult` gets each reply as it arrives (any order). Resolves
 * when all are done; rejects if a worker dies or `onResult` throws. Workers are always terminated.
 */
export async function runDfWorkers(
  entry: URL,
  init: DfWorkerInit,
  jobs: readonly DfWorkerJob[],
  threads: number,
  onResult: (reply: DfWorkerReply) => void,
): Promise<void> {
  const workers: Worker[] = [];
  let nextJob = 0;
  let done = 0;
  try {
    await new Promise<void>((resolvePool, rejectPool) => {
      let failed = false;
      const fail = (error: unknown): void => {
        if (failed) return;
        failed = true;
        rejectPool(error instanceof Error ? error : new Error(String(error)));
      };
      const feed = (worker: Worker): void => {
        if (nextJob < jobs.length) worker.postMessage(jobs[nextJob++]);
      };
      if (jobs.length === 0) return resolvePool();
      for (let i = 0; i < Math.min(threads, jobs.length); i++) {
        const worker = new Worker(entry, { workerData: init });
        workers.push(worker);
        worker.on('message', (message: DfWorkerReply | { ready: true }) => {
          if (failed) return;
          if ('ready' in message) return feed(worker);
          try {
            onResult(message);
          } catch (error) {
            return fail(error);
          }
          if (++done === jobs.length) resolvePool();
          else feed(worker);
        });
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (done < jobs.length) fail(new Error(`df worker thread exited (code ${code}) before its guests were read`));
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
