// GPT as a plugin (linux block/partitions/efi.c): detect a protective MBR on a whole disk, read the
// primary (or backup) header and entries, and add /dev/sdXN nodes numbered by entry slot.
import { IntrospectError } from '../../core/errors.js';
import type { InspectSession, Introspector } from '../../core/pipeline/introspector.js';
import type { Content, StorageNode } from '../../core/pipeline/model.js';
import type { Plugin } from '../../core/pipeline/plugin.js';
import { SliceSource } from '../../core/source/derived-sources.js';
import { isProtectiveMbr, readGptTable, type GptFailure, type GptTable } from './gpt.js';

export { readGptTable, readGptHeader, isProtectiveMbr, gptHeader, gptEntry, type GptTable, type GptPartition } from './gpt.js';
export { guidToString, guidFromString, GPT_TYPE_NAMES } from './guid.js';

export const PLUGIN_NAME = 'gpt';
/** Before the DOS plugin (a protective MBR is a valid-looking MBR) and before filesystems. */
export const GPT_DETECT_STAGE = -20;

const tables = new WeakMap<StorageNode, GptTable | GptFailure>();

export function detectGpt(node: StorageNode): Content | undefined {
  if (node.kind !== 'disk' || node.source.size < 1024) return undefined;
  if (!isProtectiveMbr(node.source.read(0, 512, 'protective MBR'))) return undefined;
  const table = readGptTable(node.source);
  tables.set(node, table);
  if (!table.header) {
    return { type: 'gpt', plugin: PLUGIN_NAME, role: 'partition-table', note: 'protective MBR but no valid GPT header' };
  }
  return { type: 'gpt', plugin: PLUGIN_NAME, role: 'partition-table', uuid: table.header.disk_guid };
}

export function expandGpt(node: StorageNode, session: InspectSession): void {
  if (node.content?.type !== 'gpt' || node.content.plugin !== PLUGIN_NAME) return;
  const table = tables.get(node) ?? readGptTable(node.source);
  for (const problem of table.problems) {
    const device = problem.partition === undefined ? node.device : `${node.device}${problem.partition}`;
    session.report(problem.level, new IntrospectError({ file: node.source.name, structure: problem.structure, offset: problem.offset, reason: problem.reason }), device);
  }
  if (!table.header) return;
  for (const p of table.partitions) {
    const start = p.starting_lba * table.sectorSize;
    const size = (p.ending_lba - p.starting_lba + 1) * table.sectorSize;
    session.addNode({
      device: `${node.device}${p.number}`,
      kind: 'partition',
      parent: node,
      source: new SliceSource(`${node.source.name} [partition ${p.number}]`, node.source, start, size),
      partition: { number: p.number, start, size, type: p.type, kind: 'gpt', name: p.name, uuid: p.uuid },
    });
  }
}

export const gptPlugin: Plugin = {
  name: PLUGIN_NAME,
  apply(introspector: Introspector): void {
    introspector.hooks.detect.tap({ name: PLUGIN_NAME, stage: GPT_DETECT_STAGE }, (node) => detectGpt(node));
    introspector.hooks.expand.tap(PLUGIN_NAME, (node, session) => expandGpt(node, session));
  },
};

export default gptPlugin;
