// The images a fuzz run mutates: the corpus (real images made with the real tools), or, without it,
// small synthetic images built with the plugins' own test builders. Each seed is a guest; its
// metadata regions are found by running the pipeline once on the unmutated images (see regions()).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BytesSource, ConcatSource } from '../core/source/derived-sources.js';
import { FileSource } from '../core/source/file-source.js';
import type { Source } from '../core/source/source.js';
import type { Region } from './mutate.js';
import { runCase, type Seed, type SeedImage } from './run-case.js';
import type { ReadLog } from './overlay.js';

/** Reads at most this long are metadata (headers, tables, records); longer ones are bulk data or scans. */
export const METADATA_READ_LIMIT = 64 * 1024;
/** For kallsyms and BTF: their tables and the BTF blob. */
export const KERNEL_READ_LIMIT = 16 * 1024 * 1024;

const files = new Map<string, Source>();

/** One read-only descriptor per base file for the whole run (overlays share it). */
function fileImage(path: string): SeedImage {
  return {
    path,
    open: () => {
      let f = files.get(path);
      if (!f) files.set(path, (f = new FileSource(path)));
      return f;
    },
  };
}

function bytesImage(path: string, bytes: Uint8Array): SeedImage {
  const source = new BytesSource(path, bytes);
  return { path, open: () => source };
}

/** A LiME file made of one range header in front of a raw RAM file, without copying the RAM. */
function limeOverRaw(path: string, raw: string): SeedImage {
  return {
    path,
    open: () => {
      const ram = fileImage(raw).open();
      const header = new Uint8Array(32);
      const view = new DataView(header.buffer);
      view.setUint32(0, 0x4c694d45, true);
      view.setUint32(4, 1, true);
      view.setBigUint64(8, 0n, true);
      view.setBigUint64(16, BigInt(ram.size - 1), true);
      return new ConcatSource(path, [new BytesSource(`${path} [header]`, header), ram]);
    },
  };
}

export function corpusSeeds(cache: string): Seed[] {
  const disk = (format: string, ...names: string[]): Seed => ({
    format,
    name: names.join('+'),
    kind: 'disk',
    images: names.map((n) => fileImage(join(cache, 'disk', n))),
  });
  const mem = (format: string, rel: string): Seed => ({ format, name: rel, kind: 'memory', images: [fileImage(join(cache, 'mem', rel))] });
  const kernel = (rel: string): Seed => ({ format: 'kallsyms-btf', name: `${rel} kernel tables`, kind: 'kernel', images: [fileImage(join(cache, 'mem', rel))] });
  const seeds: Seed[] = [
    disk('mbr', 'mbr-mixed.img'),
    disk('mbr', 'mbr-ext3.img'),
    disk('mbr', 'mbr-loop.img'),
    disk('mbr', 'mbr-overlap.img'),
    disk('mbr', 'truncated.img'),
    disk('gpt', 'gpt-mixed.img'),
    disk('lvm', 'lvm-disk1.img', 'lvm-disk2.img'),
    disk('lvm', 'lvm-badcrc.img'),
    disk('ext', 'bare-ext4-64bit.img'),
    disk('ext', 'ext4-badmagic.img'),
    disk('ntfs', 'bare-ntfs.img'),
    disk('ntfs', 'ntfs-badmft.img'),
    disk('qcow2', 'mbr-mixed.qcow2'),
    disk('qcow2', 'mbr-mixed-compressed.qcow2'),
    // overlay.qcow2's backing file base.qcow2 is the seed's second image: both get mutated.
    { ...disk('qcow2', 'overlay.qcow2', 'base.qcow2'), guestDisks: 1 },
    disk('qcow2', 'qcow2-bad-l1.qcow2'),
    mem('elf', 'bookworm-amd64/mem.elf'),
    mem('kdump', 'bookworm-arm64/mem.kdump'),
    mem('raw-mem', 'bullseye-amd64/mem.raw'),
    mem('raw-mem', 'bookworm-i386/mem.raw'),
    kernel('bookworm-amd64/mem.elf'),
    kernel('bookworm-arm64/mem.kdump'),
    kernel('bullseye-amd64/mem.raw'),
    kernel('bookworm-i386/mem.raw'),
    {
      format: 'lime',
      name: 'bullseye-amd64/mem.raw as LiME',
      kind: 'memory',
      images: [limeOverRaw(join(cache, 'mem', 'bullseye-amd64', 'mem.lime'), join(cache, 'mem', 'bullseye-amd64', 'mem.raw'))],
    },
  ];
  return seeds.filter((s) => s.images.every((i) => existsSync(i.path) || i.path.endsWith('.lime')));
}

export { syntheticSeeds } from './synthetic-seeds.js';
export { bytesImage };

/** Metadata regions of a seed: the small reads the pipeline makes on the unmutated images. */
export function regions(seed: Seed): Region[] {
  const logs: ReadLog[] = seed.images.map(() => ({ reads: [], phase: 0 }));
  runCase(seed, [], { log: logs });
  const out: Region[] = [];
  // Kernel seeds aim at the kallsyms and BTF reads (the locating reads are the memory seeds' part);
  // the BTF blob is one read of a few MiB.
  const wanted = seed.kind === 'kernel' ? ([, length, phase]: [number, number, number]) => phase === 1 && length <= KERNEL_READ_LIMIT : ([, length]: [number, number, number]) => length <= METADATA_READ_LIMIT;
  logs.forEach((log, image) => {
    const reads = log.reads.filter((r) => r[1] > 0 && wanted(r)).sort((a, b) => a[0] - b[0]);
    let current: Region | undefined;
    for (const [start, length] of reads) {
      if (current && start <= current.start + current.length) {
        current.length = Math.max(current.length, start + length - current.start);
      } else {
        current = { image, start, length };
        out.push(current);
      }
    }
  });
  return out;
}
