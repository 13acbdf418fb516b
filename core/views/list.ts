// `introspect list`: a Guest as virt-filesystems --all --long would show it, as text and as JSON.
import type { IntrospectError } from '../errors.js';
import type { Guest, StorageNode } from '../pipeline/model.js';

export interface ListDisk {
  device: string;
  size: number;
  /** Partition table type ("dos", "gpt"), or null when the disk holds none. */
  table: string | null;
}

export interface ListPartition {
  device: string;
  parent: string;
  number: number;
  start: number;
  size: number;
  /** MBR type as sfdisk prints it ("83", "5") or the GPT type GUID. */
  type: string;
  /** GPT partition name; null on MBR disks. */
  name: string | null;
}

export interface ListVolumeGroup {
  name: string;
  uuid: string;
  extentSize: number;
  pvs: Array<{ device: string; uuid: string; peStart: number; peCount: number }>;
}

export interface ListLogicalVolume {
  device: string;
  vg: string;
  name: string;
  uuid: string;
  size: number;
  segments: Array<{ startExtent: number; extentCount: number; type: string; stripeSize: number; stripes: Array<{ pv: string; startExtent: number }> }>;
}

export interface ListContent {
  device: string;
  type: string;
  label: string | null;
  uuid: string | null;
  size: number;
}

/** A problem found while reading the guest (the stderr lines of the text form), as IntrospectError.toJSON(). */
export interface ListError {
  level: 'warning' | 'error';
  device: string | null;
  error: ReturnType<IntrospectError['toJSON']>;
}

/** The JSON document of `introspect list --json` (issue #4): offsets and sizes in bytes. */
export interface ListDocument {
  guest: string;
  disks: ListDisk[];
  partitions: ListPartition[];
  volumeGroups: ListVolumeGroup[];
  logicalVolumes: ListLogicalVolume[];
  contents: ListContent[];
  /** Problems that did not stop the rest of the guest from being listed (issue #9). */
  errors: ListError[];
}

function isTable(node: StorageNode): boolean {
  return node.content?.role === 'partition-table';
}

export function listDocument(guest: Guest): ListDocument {
  return {
    guest: guest.name,
    disks: guest.disks.map((d) => ({ device: d.device, size: d.source.size, table: isTable(d) ? d.content!.type : null })),
    partitions: guest.nodes
      .filter((n) => n.kind === 'partition' && n.partition)
      .map((n) => ({
        device: n.device,
        parent: n.parent?.device ?? '',
        number: n.partition!.number,
        start: n.partition!.start,
        size: n.partition!.size,
        type: n.partition!.type,
        name: n.partition!.name ?? null,
      })),
    volumeGroups: guest.volumeGroups.map((vg) => ({
      name: vg.name,
      uuid: vg.uuid,
      extentSize: vg.extentSize,
      pvs: vg.pvs.map((pv) => ({ device: pv.device, uuid: pv.uuid, peStart: pv.peStart, peCount: pv.peCount })),
    })),
    logicalVolumes: guest.logicalVolumes
      .filter((lv) => lv.visible)
      .map((lv) => ({
        device: lv.device,
        vg: lv.vg,
        name: lv.name,
        uuid: lv.uuid,
        size: lv.size,
        segments: lv.segments.map((s) => ({
          startExtent: s.startExtent,
          extentCount: s.extentCount,
          type: s.type,
          stripeSize: s.stripeSize,
          stripes: s.stripes.map((st) => ({ pv: st.pv, startExtent: st.startExtent })),
        })),
      })),
    // What each block device holds; partition tables and extended containers are in disks/partitions.
    contents: guest.nodes
      .filter((n) => n.content && !isTable(n))
      .map((n) => ({ device: n.device, type: n.content!.type, label: n.content!.label ?? null, uuid: n.content!.uuid ?? null, size: n.source.size })),
    errors: guest.diagnostics.map((d) => ({ level: d.level, device: d.device ?? null, error: d.error.toJSON() })),
  };
}

const COLUMNS = ['Name', 'Type', 'VFS', 'Label', 'MBR', 'Size', 'Parent', 'UUID'] as const;
type Row = Record<(typeof COLUMNS)[number], string>;

/**
 * Text like `virt-filesystems --all --long --uuid`: contents first, then LVs, VGs, PVs, partitions
 * and devices; "-" where a column does not apply; notes (e.g. "not readable: thin") after the table.
 */
export function renderListText(guest: Guest): string {
  const rows: Row[] = [];
  const notes: string[] = [];
  const row = (r: Partial<Row>): void => {
    rows.push({ Name: '-', Type: '-', VFS: '-', Label: '-', MBR: '-', Size: '-', Parent: '-', UUID: '-', ...r });
  };
  const byDevice = new Map(guest.nodes.map((n) => [n.device, n]));

  for (const n of guest.nodes) {
    if (n.content?.note) notes.push(`${n.device}: ${n.content.note}`);
    if (!n.content || isTable(n)) continue;
    row({ Name: n.device, Type: 'filesystem', VFS: n.content.type, Label: n.content.label ?? '-', Size: String(n.source.size), UUID: n.content.uuid ?? '-' });
  }
  for (const lv of guest.logicalVolumes.filter((l) => l.visible)) {
    row({ Name: lv.device, Type: 'lv', Size: String(lv.size), Parent: `/dev/${lv.vg}`, UUID: lv.uuid });
    if (lv.note) notes.push(`${lv.device}: ${lv.note}`);
  }
  for (const vg of guest.volumeGroups) {
    const extents = vg.pvs.reduce((sum, pv) => sum + pv.peCount, 0);
    row({ Name: `/dev/${vg.name}`, Type: 'vg', Size: String(extents * vg.extentSize), UUID: vg.uuid });
  }
  for (const vg of guest.volumeGroups) {
    for (const pv of vg.pvs) {
      const node = byDevice.get(pv.device);
      row({ Name: pv.device, Type: 'pv', Size: node ? String(node.source.size) : '-', Parent: `/dev/${vg.name}`, UUID: pv.uuid });
    }
  }
  for (const n of guest.nodes) {
    if (n.kind !== 'partition' || !n.partition) continue;
    const p = n.partition;
    row({
      Name: n.device,
      Type: 'partition',
      VFS: p.kind === 'extended' ? 'extended' : '-',
      Label: p.name === undefined || p.name === '' ? '-' : p.name,
      MBR: p.kind === 'gpt' ? '-' : p.type,
      Size: String(p.size),
      Parent: n.parent?.device ?? '-',
      UUID: p.uuid ?? '-',
    });
  }
  for (const d of guest.disks) {
    row({ Name: d.device, Type: 'device', VFS: isTable(d) ? d.content!.type : '-', Size: String(d.source.size), UUID: isTable(d) ? d.content!.uuid ?? '-' : '-' });
  }

  const widths = COLUMNS.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join(' ')
      .trimEnd();
  const out = [line(COLUMNS), ...rows.map((r) => line(COLUMNS.map((c) => r[c])))];
  for (const note of notes) out.push(`note: ${note}`);
  return out.join('\n') + '\n';
}
