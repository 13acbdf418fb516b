// DOS/MBR partition tables as a plugin (linux block/partitions/msdos.c): detect on whole disks,
// expand into /dev/sdXN partition nodes; extended partitions are container nodes, never filesystems.
import { IntrospectError } from '../../core/errors.js';
import type { InspectSession, Introspector } from '../../core/pipeline/introspector.js';
import type { Content, StorageNode } from '../../core/pipeline/model.js';
import type { Plugin } from '../../core/pipeline/plugin.js';
import { SliceSource } from '../../core/source/derived-sources.js';
import { isMsdosLabel, readDosTable, SECTOR_SIZE } from './mbr.js';

export { readDosTable, isMsdosLabel, msdosPartition, type DosTable, type DosPartition, type DosProblem } from './mbr.js';

export const PLUGIN_NAME = 'dos-partitions';
/** Partition tables are recognised before filesystems (whose probes could match a container's bytes). */
export const DOS_DETECT_STAGE = -10;

/** sfdisk's spelling of the type byte: lower-case hex without padding ("83", "5", "8e"). */
export function sfdiskType(sys_ind: number): string {
  return sys_ind.toString(16);
}

export function detectDos(node: StorageNode): Content | undefined {
  if (node.kind === 'partition' && node.partition?.kind === 'extended') {
    return { type: 'extended', plugin: PLUGIN_NAME, role: 'partition-table' };
  }
  if (node.kind !== 'disk' || node.source.size < SECTOR_SIZE) return undefined;
  const sector = node.source.read(0, SECTOR_SIZE, 'MBR');
  if (!isMsdosLabel(sector)) return undefined;
  const signature = (sector[0x1b8] | (sector[0x1b9] << 8) | (sector[0x1ba] << 16) | (sector[0x1bb] << 24)) >>> 0;
  return { type: 'dos', plugin: PLUGIN_NAME, role: 'partition-table', uuid: signature.toString(16).padStart(8, '0') };
}

export function expandDos(node: StorageNode, session: InspectSession): void {
  if (node.content?.type !== 'dos' || node.content.plugin !== PLUGIN_NAME) return;
  const table = readDosTable(node.source);
  for (const problem of table.problems) {
    const device = problem.partition === undefined ? node.device : `${node.device}${problem.partition}`;
    const error = new IntrospectError({ file: node.source.name, structure: problem.structure, offset: problem.offset, reason: problem.reason });
    session.report(problem.level, error, device);
  }
  for (const p of table.partitions) {
    const start = p.startSector * SECTOR_SIZE;
    session.addNode({
      device: `${node.device}${p.number}`,
      kind: 'partition',
      parent: node,
      source: new SliceSource(`${node.source.name} [partition ${p.number}]`, node.source, start, p.readableBytes),
      partition: { number: p.number, start, size: p.sizeSectors * SECTOR_SIZE, type: sfdiskType(p.sys_ind), kind: p.kind },
    });
  }
}

export const dosPartitionsPlugin: Plugin = {
  name: PLUGIN_NAME,
  apply(introspector: Introspector): void {
    introspector.hooks.detect.tap({ name: PLUGIN_NAME, stage: DOS_DETECT_STAGE }, (node) => detectDos(node));
    introspector.hooks.expand.tap(PLUGIN_NAME, (node, session) => expandDos(node, session));
  },
};

export default dosPartitionsPlugin;
