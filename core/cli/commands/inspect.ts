import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { IntrospectError, UsageError } from '../../errors.js';
import type { Introspector } from '../../pipeline/introspector.js';
import type { Guest, StorageNode } from '../../pipeline/model.js';
import { reportMemoryImage } from '../../../plugins/linux-kernel/views/report.js';
import type { CommandContext } from '../context.js';

export interface InspectedNode {
  device: string;
  kind: StorageNode['kind'];
  parent?: string;
  type: string;
  plugin: string;
  label?: string;
  uuid?: string;
  size: number;
  note?: string;
}

/** One row per block device found, in discovery order. */
export function inspectedNodes(guest: Guest): InspectedNode[] {
  return guest.nodes.map((n) => ({
    device: n.device,
    kind: n.kind,
    parent: n.parent?.device,
    type: n.content?.type ?? 'unknown',
    plugin: n.content?.plugin ?? 'core',
    label: n.content?.label,
    uuid: n.content?.uuid,
    size: n.source.size,
    note: n.content?.note,
  }));
}

/** A disk nothing recognised: unknown content and no children. Memory images look like this today. */
function unrecognised(guest: Guest, disk: StorageNode): boolean {
  return (disk.content?.type ?? 'unknown') === 'unknown' && !guest.nodes.some((n) => n.parent === disk);
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('inspect', { isDefault: true })
    .description('inspect everything found in the images (the default command): devices, content types, labels, UUIDs, sizes')
    .argument('[images...]', 'disk images of one guest (raw, qcow2...), in -a order')
    .option('--format <format>', 'container format of every image (default: detect)')
    .action((images: string[], options: { format?: string }) => {
      const ctx = context();
      if (images.length === 0) throw new UsageError('no image given (introspect [options] IMAGE..., or see introspect --help)');
      for (const image of images) {
        // commander routes unknown words here (inspect is the default command): keep its usual error.
        if (!existsSync(resolve(ctx.cwd, image)) && /^[a-z][a-z0-9-]*$/.test(image)) {
          throw new UsageError(`unknown command '${image}' (and no image file of that name)`);
        }
      }
      return run(ctx, images, options.format);
    });
}

async function run(ctx: CommandContext, images: string[], format: string | undefined): Promise<void> {
  const introspector = await ctx.introspector();
  const guest = introspector.inspectGuest(images.map((path) => ({ path: resolve(ctx.cwd, path), format })));
  // Memory images (issue 7): a disk nothing recognised may be guest RAM with a Linux kernel in it.
  const memoryImages: StorageNode[] = [];
  for (const d of guest.disks.filter((d) => unrecognised(guest, d))) if (await reportMemoryImage(ctx, introspector, d.source, format)) memoryImages.push(d);
  if (memoryImages.length > 0 && memoryImages.length === guest.disks.length) return;
  const unknownDisks = new Set(guest.disks.filter((d) => unrecognised(guest, d) && !memoryImages.includes(d)));
  const hasErrors = guest.diagnostics.some((d) => d.level === 'error');
  for (const d of guest.diagnostics) ctx.io.stderr(`introspect: ${d.level}: ${d.device ? `${d.device}: ` : ''}${d.error.message}\n`);
  // A disk nothing recognises (blank, or content no plugin knows) is listed as unknown, as
  // virt-filesystems lists it: that is a finding about the guest, not an error of the tool.
  const nodes = inspectedNodes(guest)
    .filter((n) => !memoryImages.some((m) => m.device === n.device))
    .map((n) => (unknownDisks.has(guest.nodes.find((g) => g.device === n.device)!) && !n.note ? { ...n, note: unknownNote(introspector, guest, n.device) } : n));
  if (ctx.globals.json) {
    const diagnostics = guest.diagnostics.map((d) => ({ level: d.level, device: d.device, error: d.error.toJSON() }));
    ctx.io.stdout(
      JSON.stringify({ guest: guest.name, images: guest.images, nodes, volumeGroups: guest.volumeGroups, logicalVolumes: guest.logicalVolumes, diagnostics }, null, 2) + '\n',
    );
  } else {
    ctx.io.stdout(formatNodes(nodes));
  }
  if (hasErrors) ctx.exitCode = 1;
}

/** What to say of a disk nothing recognised. */
function unknownNote(introspector: Introspector, guest: Guest, device: string): string {
  const disk = guest.disks.find((d) => d.device === device);
  const container = disk ? memoryContainer(introspector, disk) : undefined;
  return container ? `memory image (${container} container) with no Linux kernel found` : 'no partition table, filesystem or Linux kernel recognised';
}

/** The memory container format a memory plugin recognises in the disk's file (raw, the catch-all, is not news). */
function memoryContainer(introspector: Introspector, disk: StorageNode): string | undefined {
  if (!introspector.hooks.openMemory.isUsed()) return undefined;
  try {
    const memory = introspector.hooks.openMemory.call({ path: disk.source.name, source: disk.source });
    return memory && memory.format !== 'raw' ? memory.format : undefined;
  } catch {
    return undefined;
  }
}

export function formatNodes(nodes: readonly InspectedNode[]): string {
  const rows = [['DEVICE', 'TYPE', 'LABEL', 'UUID', 'SIZE', 'NOTE']];
  for (const n of nodes) rows.push([n.device, n.type, n.label ?? '', n.uuid ?? '', String(n.size), n.note ?? '']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}
