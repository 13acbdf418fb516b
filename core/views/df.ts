// The df view: every filesystem of a guest with its statfs figures, in virt-df's order
// (guestfs list_filesystems: whole-disk filesystems, then partitions, then logical volumes by VG/LV),
// and what virt-df would skip, named rather than dropped.
import { IntrospectError } from '../errors.js';
import { asIntrospectError, type InspectSession, type Introspector } from '../pipeline/introspector.js';
import type { FilesystemStats, Guest, StorageNode } from '../pipeline/model.js';

export interface DfEntry {
  device: string;
  type: string;
  label?: string;
  uuid?: string;
  /** statfs figures; absent when the content has none we can compute (see note) or when it failed (see error). */
  stats?: FilesystemStats;
  /** Why there are no figures, or why virt-df would not list it. */
  note?: string;
  error?: IntrospectError;
}

export interface DfProblem {
  level: 'warning' | 'error';
  device?: string;
  error: IntrospectError;
}

export interface DfGuestReport {
  /** The name printed in the first column (virt-df's display name, or the domain UUID with --uuid). */
  name: string;
  /** Filesystems with figures, in output order: the rows of the text and CSV forms. */
  filesystems: DfEntry[];
  /** Recognised filesystems without figures and contents virt-df skips (swap, LUKS, unknown...). */
  skipped: DfEntry[];
  /** Filesystems whose figures could not be read, and every problem found while reading the guest. */
  problems: DfProblem[];
}

/** Contents that hold other devices rather than files: never rows, never notes. */
function isContainer(node: StorageNode, parents: ReadonlySet<StorageNode>): boolean {
  if (node.partition?.kind === 'extended') return true;
  const role = node.content?.role;
  if (role === 'partition-table' || role === 'volume-member') return true;
  if (node.content?.type.endsWith('_member')) return true;
  return parents.has(node);
}

const diskIndex = (guest: Guest, node: StorageNode): number => {
  let top = node;
  while (top.parent) top = top.parent;
  const i = guest.disks.indexOf(top);
  return i < 0 ? guest.disks.length : i;
};

/** guestfs list_filesystems order: whole disks, partitions by disk and number, then LVs sorted by VG and name. */
export function dfOrder(guest: Guest, nodes: readonly StorageNode[]): StorageNode[] {
  const rank = (n: StorageNode): number => (n.kind === 'disk' ? 0 : n.kind === 'partition' ? 1 : 2);
  const compare = (a: StorageNode, b: StorageNode): number => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    if (a.kind === 'logical-volume' && b.kind === 'logical-volume') {
      const va = a.logicalVolume?.vg ?? '';
      const vb = b.logicalVolume?.vg ?? '';
      if (va !== vb) return va < vb ? -1 : 1;
      const la = a.logicalVolume?.name ?? a.device;
      const lb = b.logicalVolume?.name ?? b.device;
      return la < lb ? -1 : la > lb ? 1 : 0;
    }
    const da = diskIndex(guest, a);
    const db = diskIndex(guest, b);
    if (da !== db) return da - db;
    return (a.partition?.number ?? 0) - (b.partition?.number ?? 0);
  };
  return [...nodes].sort(compare);
}

function sessionFor(introspector: Introspector, guest: Guest): InspectSession {
  return {
    guest,
    introspector,
    addNode: () => {
      throw new Error('df does not add devices');
    },
    report: (level, error, device) => guest.diagnostics.push({ level, error, device }),
  };
}

/** statfs of every filesystem of an inspected guest. */
export function dfGuest(introspector: Introspector, guest: Guest, name: string = guest.name): DfGuestReport {
  const report: DfGuestReport = { name, filesystems: [], skipped: [], problems: [] };
  const session = sessionFor(introspector, guest);
  // Devices a problem was already reported for: an "unknown" note would only repeat it.
  const failedDevices = new Set(guest.diagnostics.filter((d) => d.device).map((d) => d.device));
  const parents = new Set(guest.nodes.map((n) => n.parent).filter((p): p is StorageNode => p !== undefined));
  for (const node of dfOrder(guest, guest.nodes)) {
    if (!node.content || isContainer(node, parents)) continue;
    const { type, label, uuid, note, role } = node.content;
    const entry: DfEntry = { device: node.device, type, label, uuid };
    if (role !== 'filesystem') {
      // virt-df skips swap, LUKS, unknown: name them unless a problem was already reported for the device.
      if (type === 'unknown' && failedDevices.has(node.device)) continue;
      entry.note = note ?? (type === 'unknown' ? 'no filesystem recognised' : `${type}: not a filesystem`);
      report.skipped.push(entry);
      continue;
    }
    try {
      const stats = introspector.statfs(node, session);
      if (stats) {
        entry.stats = stats;
        report.filesystems.push(entry);
      } else {
        entry.note = note ?? `${type}: figures unavailable (no plugin computes them)`;
        report.skipped.push(entry);
      }
    } catch (error) {
      entry.error = asIntrospectError(error, node.source.name, `${type} filesystem on ${node.device}`);
      report.problems.push({ level: 'error', device: node.device, error: entry.error });
    }
  }
  // Problems found while reading the guest (statfs may have added some of its own).
  for (const d of guest.diagnostics) report.problems.push({ level: d.level, device: d.device, error: d.error });
  return report;
}

/** The JSON form of one filesystem row (the `filesystems[]` items of `introspect df --json`). */
export interface DfJsonFilesystem extends FilesystemStats {
  guest: string;
  device: string;
  type: string;
  label: string | null;
  uuid: string | null;
}

export function dfJsonFilesystem(guest: string, entry: DfEntry & { stats: FilesystemStats }): DfJsonFilesystem {
  return {
    guest,
    device: entry.device,
    type: entry.type,
    label: entry.label ?? null,
    uuid: entry.uuid ?? null,
    blockSize: entry.stats.blockSize,
    blocks: entry.stats.blocks,
    bfree: entry.stats.bfree,
    bavail: entry.stats.bavail,
    files: entry.stats.files,
    ffree: entry.stats.ffree,
  };
}
