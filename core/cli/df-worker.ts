// Worker thread of `introspect df -P N`: builds its own Introspector as the CLI does (built-in plugins,
// profiles, the configured plugins of the configuration file the parent resolved), then computes df for
// each guest the parent sends and posts back plain results (core/views/df-result.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { Introspector } from '../pipeline/introspector.js';
import { createIntrospector } from '../plugins/create.js';
import { readStats } from '../source/source.js';
import { dfGuestResult } from '../views/df-result.js';
import type { DfWorkerInit, DfWorkerJob, DfWorkerReply } from './df-parallel.js';

async function start(port: NonNullable<typeof parentPort>, init: DfWorkerInit): Promise<void> {
  let introspector: Introspector | undefined;
  let setupError: string | undefined;
  try {
    const loaded: LoadedConfig = init.configFile === undefined ? { config: {}, dir: init.cwd } : await loadConfig({ cwd: init.cwd, file: init.configFile });
    introspector = await createIntrospector({ config: loaded, profile: init.profile, allowBacking: init.allowBacking, cwd: init.cwd });
  } catch (error) {
    setupError = error instanceof Error ? error.message : String(error);
  }
  port.on('message', (job: DfWorkerJob) => {
    readStats.reset();
    let reply: DfWorkerReply;
    try {
      if (!introspector) throw new Error(setupError ?? 'worker not set up');
      reply = { index: job.index, result: dfGuestResult(introspector, job.images, job.name), bytesRead: readStats.bytesRead, reads: readStats.reads };
    } catch (error) {
      const fatal = error instanceof Error ? error.message : String(error);
      reply = { index: job.index, result: { filesystems: [], skipped: [], problems: [], fatal }, bytesRead: readStats.bytesRead, reads: readStats.reads };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
}

if (parentPort) await start(parentPort, workerData as DfWorkerInit);
