// The disk stack (containers and partition tables) against the corpus truth: partitions as
// sfdisk/sgdisk reported them, qcow2 guest bytes as qemu-img produced them, bad images as each
// truth's bad_input asks. Filesystem and LVM figures are checked by their own suites.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinPlugins } from '../../core/builtin-plugins.js';
import { Introspector } from '../../core/pipeline/introspector.js';
import type { Guest } from '../../core/pipeline/model.js';
import type { Source } from '../../core/source/source.js';
import { corpusAvailable, corpusFile, corpusRequired, readTruth } from './corpus.js';

interface TruthPartition {
  number: number;
  virt_df_device: string;
  start_sector: number;
  size_sectors: number;
  start_bytes: number;
  size_bytes: number;
  type: string;
  kind?: 'primary' | 'extended' | 'logical';
  uuid?: string;
  name?: string;
}

interface Truth {
  image: string;
  images: string[];
  kind: 'good' | 'bad';
  files: Array<{ file: string; sha256: string; qemu_img_info?: { format: string; 'virtual-size': number } }>;
  disks: Array<{ image: string; virt_df_device: string; size_bytes?: number | null; partition_table: { scheme: 'dos' | 'gpt'; sector_size: number; partitions: TruthPartition[] } | null }>;
  filesystems?: Array<{ virt_df_device: string; type: string; label: string; uuid: string; location: { kind: string; offset_bytes: number } }>;
  how: { build_commands: string[] };
  bad_input: null | {
    careful_tool_should: {
      partitions?: string[];
      partitions_missing?: string[];
      partitions_truncated?: string[];
      partitions_past_end?: string[];
      filesystems_ok?: string[];
    };
  };
}

const skip = !corpusAvailable() && !corpusRequired();
const truthNames = skip ? [] : readdirSync(corpusFile('disk')).filter((f) => f.endsWith('.truth.json')).sort();
const tally = { cases: 0, equal: 0 };

function count(ok: boolean): void {
  tally.cases++;
  if (ok) tally.equal++;
}

function inspect(truth: Truth): Guest {
  return new Introspector().use(...builtinPlugins()).inspectGuest(truth.images.map((i) => ({ path: corpusFile(`disk/${i}`) })));
}

function sha256(source: Source): string {
  const hash = createHash('sha256');
  const chunk = 4 << 20;
  for (let at = 0; at < source.size; at += chunk) hash.update(source.read(at, Math.min(chunk, source.size - at)));
  return hash.digest('hex');
}

const ours = (p: TruthPartition, scheme: 'dos' | 'gpt') => ({
  device: p.virt_df_device,
  number: p.number,
  start: p.start_bytes,
  size: p.size_bytes,
  type: p.type,
  kind: scheme === 'gpt' ? 'gpt' : p.kind,
  ...(scheme === 'gpt' ? { name: p.name, uuid: p.uuid } : {}),
});

const partitionLayer = /^(MBR|EBR|GPT|partition)/;

describe.skipIf(skip)('disk stack against the corpus', () => {
  afterAll(() => console.log(`disk stack corpus: ${tally.equal} of ${tally.cases} cases equal to truth`));

  for (const name of truthNames) {
    const truth = readTruth<Truth>(`disk/${name}`);
    // Multi-disk guests have one truth file per disk; check each guest once, from its first disk.
    if (truth.images[0] !== truth.image) continue;
    describe(name.replace('.truth.json', ''), () => {
      const guest = inspect(truth);
      const should = truth.bad_input?.careful_tool_should ?? {};
      const missing = new Set(should.partitions_missing ?? []);

      it('sees each disk at its size, or refuses it as the truth says', () => {
        for (const d of truth.disks) {
          const disk = guest.disks.find((n) => n.device === d.virt_df_device);
          if (d.size_bytes == null) {
            expect(disk).toBeUndefined();
            const refused = guest.diagnostics.some((x) => x.level === 'error' && x.device === d.virt_df_device);
            count(refused);
            expect(refused).toBe(true);
          } else {
            count(disk?.source.size === d.size_bytes);
            expect(disk?.source.size).toBe(d.size_bytes);
          }
        }
      });

      it('finds the partitions sfdisk/sgdisk report (start, size, type, number, device)', () => {
        for (const d of truth.disks) {
          if (d.size_bytes == null) continue;
          const disk = guest.disks.find((n) => n.device === d.virt_df_device)!;
          const found = guest.nodes
            .filter((n) => n.kind === 'partition' && n.parent === disk)
            .map((n) => ({
              device: n.device,
              number: n.partition!.number,
              start: n.partition!.start,
              size: n.partition!.size,
              type: n.partition!.type,
              kind: n.partition!.kind,
              ...(n.partition!.kind === 'gpt' ? { name: n.partition!.name, uuid: n.partition!.uuid } : {}),
            }));
          const table = d.partition_table;
          const expected = table ? table.partitions.filter((p) => !missing.has(p.virt_df_device)).map((p) => ours(p, table.scheme)) : [];
          for (const e of expected) count(JSON.stringify(found.find((f) => f.device === e.device)) === JSON.stringify(e));
          expect(found).toEqual(expected);
          expect(disk.content?.role === 'partition-table' ? disk.content.type : null).toBe(table ? table.scheme : null);
        }
      });

      if (truth.kind === 'good') {
        it('reports no problem in the partition tables or containers', () => {
          const problems = guest.diagnostics.filter((x) => partitionLayer.test(x.error.structure) || x.error.structure.startsWith('qcow2'));
          count(problems.length === 0);
          expect(problems.map((x) => x.error.message)).toEqual([]);
        });
      } else if (missing.size > 0 || should.partitions_truncated || should.partitions_past_end || should.filesystems_ok || should.partitions || truth.disks.some((d) => d.partition_table)) {
        // Only where the damage is in the disk stack's part (partition tables, containers).
        it('reports the damage the truth describes', () => {
          const onDevice = (device: string) => guest.diagnostics.filter((x) => x.device === device);
          for (const device of missing) {
            const ok = !guest.nodes.some((n) => n.device === device);
            count(ok);
            expect(ok).toBe(true);
          }
          if (missing.size > 0) {
            const said = [...missing].some((device) => onDevice(device).some((x) => x.level === 'error' && /missing/.test(x.error.reason)));
            count(said);
            expect(said).toBe(true);
          }
          for (const device of [...(should.partitions_truncated ?? []), ...(should.partitions_past_end ?? [])]) {
            const said = onDevice(device).some((x) => x.level === 'error' && /past the end of the disk/.test(x.error.reason));
            count(said);
            expect(said).toBe(true);
          }
          for (const device of should.filesystems_ok ?? []) {
            count(onDevice(device).length === 0);
            expect(onDevice(device)).toEqual([]);
          }
          if (should.partitions && should.partitions.length === 0) {
            // "no error, no partitions": nothing from the partition layer at all.
            const quiet = guest.diagnostics.length === 0 && !guest.nodes.some((n) => n.kind === 'partition');
            count(quiet);
            expect(guest.diagnostics).toEqual([]);
          }
          if (truth.disks.some((d) => d.partition_table)) {
            const said = guest.diagnostics.some((x) => x.level === 'error' && partitionLayer.test(x.error.structure));
            count(said);
            expect(said).toBe(true);
          }
        });
      }

      const qcow2 = truth.files.find((f) => f.file === truth.image && f.qemu_img_info?.format === 'qcow2');
      if (qcow2 && truth.kind === 'good') {
        it('has the virtual size qemu-img reports', () => {
          count(guest.disks[0].source.size === qcow2.qemu_img_info!['virtual-size']);
          expect(guest.disks[0].source.size).toBe(qcow2.qemu_img_info!['virtual-size']);
        });

        // `qemu-img convert ... RAW IMAGE`: the guest disk must hash like the raw image it came from.
        const convert = truth.how.build_commands.map((c) => c.match(/^qemu-img convert .* (\S+) (\S+)$/)).find((m) => m && m[2] === truth.image);
        const raw = convert?.[1];
        if (raw && existsSync(corpusFile(`disk/${raw}.truth.json`))) {
          it(`gives the same bytes as ${raw}`, () => {
            const rawTruth = readTruth<Truth>(`disk/${raw}.truth.json`);
            const expected = rawTruth.files.find((f) => f.file === raw)!.sha256;
            const got = sha256(guest.disks[0].source);
            count(got === expected);
            expect(got).toBe(expected);
          });
        }

        // Through the whole chain (overlay -> backing), each ext superblock carries the truth's label and UUID.
        const ext = (truth.filesystems ?? []).filter((f) => f.type.startsWith('ext') && f.location.kind === 'partition');
        if (ext.length > 0) {
          it('reads each ext superblock (label, UUID) through the container', () => {
            for (const fs of ext) {
              const sb = guest.disks[0].source.read(fs.location.offset_bytes + 1024, 1024);
              const magic = sb[0x38] | (sb[0x39] << 8);
              const uuid = Buffer.from(sb.subarray(0x68, 0x78)).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
              const label = Buffer.from(sb.subarray(0x78, 0x88)).toString('latin1').replace(/\0.*$/s, '');
              const ok = magic === 0xef53 && uuid === fs.uuid && label === fs.label;
              count(ok);
              expect([magic, uuid, label]).toEqual([0xef53, fs.uuid, fs.label]);
            }
          });
        }
      }
    });
  }
});
