// One fuzz case: the real pipeline on a mutated guest, and what came of it.
// Disk: inspectGuest + df (statfs of every filesystem). Memory: openMemory + uname (locateKernel,
// else the physical scan). IntrospectError = expected; anything else = a defect.
import { builtinPlugins } from '../core/builtin-plugins.js';
import { IntrospectError } from '../core/errors.js';
import type { PhysicalMemory } from '../core/memory/types.js';
import { Introspector } from '../core/pipeline/introspector.js';
import type { Source } from '../core/source/source.js';
import { dfGuest, dfJsonFilesystem } from '../core/views/df.js';
import { dfRow } from '../core/views/df-format.js';
import { listDocument, renderListText } from '../core/views/list.js';
import { formatNodes, inspectedNodes } from '../core/cli/commands/inspect.js';
import { readUname } from '../plugins/linux-kernel/uname.js';
import { locateKernel } from '../plugins/linux-kernel/locate.js';
import { recoverKallsyms } from '../plugins/linux-kernel/kallsyms/index.js';
import { findKernelBtf } from '../plugins/linux-kernel/btf/index.js';
import type { Mutation } from './mutate.js';
import { OverlaySource, type ReadLog } from './overlay.js';

export interface SeedImage {
  /** Absolute path (what the pipeline is told; backing references resolve against it). */
  path: string;
  /** The unmutated bytes: a file opened read-only, or a synthetic image. */
  open(): Source;
}

export interface Seed {
  /** Fuzz format label: mbr, gpt, lvm, ext, ntfs, qcow2, elf, kdump, lime, raw-mem, kallsyms-btf. */
  format: string;
  /** Short name for reports: the base file(s). */
  name: string;
  /** disk: inspectGuest + df; memory: openMemory + uname; kernel: openMemory + locateKernel + kallsyms + BTF. */
  kind: 'disk' | 'memory' | 'kernel';
  images: SeedImage[];
  /** How many of the images (from the first) are the guest's disks; the rest are reached through them (backing files). */
  guestDisks?: number;
}

export type Outcome =
  | { kind: 'ok' }
  | { kind: 'error'; message: string }
  | { kind: 'crash'; message: string; stack?: string }
  | { kind: 'oom'; message: string };

/** An Introspector that opens the seed's images as overlays instead of files. */
class OverlayIntrospector extends Introspector {
  constructor(private readonly overlays: ReadonlyMap<string, Source>) {
    super({});
  }

  protected override openFile(path: string): Source {
    return this.overlays.get(path) ?? super.openFile(path);
  }
}

const INTERNAL = 'internal error:';

function describe(error: unknown): Outcome {
  if (error instanceof IntrospectError) {
    // asIntrospectError's wrapping of a foreign exception: a crash the pipeline caught for us.
    if (error.reason.startsWith(INTERNAL)) return crash(error.cause ?? error);
    return { kind: 'error', message: error.message };
  }
  return crash(error);
}

function crash(error: unknown): Outcome {
  if (error instanceof Error && error.name === 'BoundExceeded') return { kind: 'oom', message: error.message };
  if (error instanceof RangeError && /allocation|Array buffer|Invalid typed array length|Invalid array length/i.test(error.message)) {
    return { kind: 'oom', message: `${error.name}: ${error.message}` };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { kind: 'crash', message: `${e.name}: ${e.message}`, stack: e.stack };
}

export interface CaseOptions {
  log?: ReadLog[];
  maxRead?: number;
}

/** Run the pipeline on the seed with the mutations applied. Never throws. */
export function runCase(seed: Seed, mutations: readonly Mutation[], options: CaseOptions = {}): Outcome {
  const overlays = seed.images.map((image, i) => new OverlaySource(image.path, image.open(), mutations, i, options.log?.[i], options.maxRead));
  let outcome: Outcome;
  try {
    outcome = seed.kind === 'disk' ? runDisk(seed, overlays) : seed.kind === 'memory' ? runMemory(seed, overlays[0]) : runKernel(seed, overlays[0], options.log?.[0]);
  } catch (error) {
    outcome = describe(error);
  }
  const exceeded = overlays.find((o) => o.exceeded);
  if (exceeded && outcome.kind !== 'crash') return { kind: 'oom', message: exceeded.exceeded! };
  return outcome;
}

function runDisk(seed: Seed, overlays: OverlaySource[]): Outcome {
  const introspector = new OverlayIntrospector(new Map(overlays.map((o) => [o.name, o]))).use(...builtinPlugins());
  const guestImages = seed.images.slice(0, seed.guestDisks ?? seed.images.length);
  const guest = introspector.inspectGuest(guestImages.map((image) => ({ path: image.path })));
  const report = dfGuest(introspector, guest);
  // What the commands print from it: list, the default command, df (text, -h, -i, --csv, --json).
  JSON.stringify(listDocument(guest));
  renderListText(guest);
  JSON.stringify(inspectedNodes(guest));
  formatNodes(inspectedNodes(guest));
  for (const entry of report.filesystems) {
    for (const format of [{ human: false, inodes: false, csv: false }, { human: true, inodes: false, csv: false }, { human: false, inodes: true, csv: true }]) dfRow(guest.name, entry.device, entry.stats!, format);
    JSON.stringify(dfJsonFilesystem(guest.name, { ...entry, stats: entry.stats! }));
  }
  let first: Outcome = { kind: 'ok' };
  for (const problem of report.problems) {
    const o = describe(problem.error);
    if (o.kind === 'crash' || o.kind === 'oom') return o;
    if (first.kind === 'ok') first = o;
  }
  return first;
}

function runMemory(seed: Seed, file: OverlaySource): Outcome {
  const introspector = new Introspector({}).use(...builtinPlugins());
  const memory: PhysicalMemory | undefined = introspector.hooks.openMemory.call({ path: seed.images[0].path, source: file });
  if (!memory) return { kind: 'error', message: 'no memory container recognised' };
  const report = readUname(memory);
  void report.uname.release;
  return { kind: 'ok' };
}

/** The kernel's own tables: kallsyms (VMCOREINFO, else a scan of the image) and the BTF it carries. */
function runKernel(seed: Seed, file: OverlaySource, log: ReadLog | undefined): Outcome {
  const introspector = new Introspector({}).use(...builtinPlugins());
  const memory = introspector.hooks.openMemory.call({ path: seed.images[0].path, source: file });
  if (!memory) return { kind: 'error', message: 'no memory container recognised' };
  const kernel = locateKernel(memory);
  if (log) log.phase = 1;
  const kallsyms = recoverKallsyms(kernel);
  void kallsyms.table;
  let first: Outcome = { kind: 'ok' };
  try {
    findKernelBtf(kernel, kallsyms.table);
  } catch (error) {
    // Kernels built without BTF are not an error of the image; a damaged one is (expected) either way.
    first = describe(error);
  }
  return first;
}
