// Seeded mutations of qcow2 metadata and partition tables: whatever the bytes, only an
// IntrospectError (or a clean result) comes out: no TypeError, RangeError, hang or huge allocation.
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../core/errors.js';
import type { InspectSession } from '../../core/pipeline/introspector.js';
import type { Guest, StorageNode } from '../../core/pipeline/model.js';
import { checkRange, type Source } from '../../core/source/source.js';
import { detectDos, expandDos } from '../dos-partitions/index.js';
import { buildMixedMbr } from '../dos-partitions/test-image.js';
import { detectGpt, expandGpt } from '../gpt/index.js';
import { buildGpt } from '../gpt/test-image.js';
import { parseQcow2Header } from './header.js';
import { Qcow2Source } from './qcow2-source.js';
import { buildQcow2, type TestCluster } from './test-image.js';

/** xorshift32: the same mutations on every run. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** Flip 1-4 bytes inside the ranges, sometimes to 0x00/0xFF, sometimes to a random value. */
function mutations(rnd: () => number, ranges: ReadonlyArray<[number, number]>): Map<number, number> {
  const patches = new Map<number, number>();
  const count = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < count; i++) {
    const [from, to] = ranges[Math.floor(rnd() * ranges.length)];
    const at = from + Math.floor(rnd() * (to - from));
    const kind = rnd();
    patches.set(at, kind < 0.2 ? 0 : kind < 0.4 ? 0xff : Math.floor(rnd() * 256));
  }
  return patches;
}

/** The image with the patches applied, without copying megabytes per mutant. */
function mutant(name: string, image: Uint8Array, patches: ReadonlyMap<number, number>): Source {
  return {
    name,
    size: image.length,
    read(offset: number, length: number, structure?: string): Uint8Array {
      checkRange(this, offset, length, structure);
      const out = image.slice(offset, offset + length);
      for (const [at, value] of patches) if (at >= offset && at < offset + length) out[at - offset] = value;
      return out;
    },
  };
}

function onlyIntrospectErrors(f: () => void): 'ok' | 'refused' {
  try {
    f();
    return 'ok';
  } catch (error) {
    if (!(error instanceof IntrospectError)) throw error;
    return 'refused';
  }
}

describe('mutated qcow2 metadata', () => {
  const CS = 16384;
  const clusters = new Map<number, TestCluster>([
    [0, { kind: 'data', data: new Uint8Array(CS).fill(1) }],
    [2, { kind: 'compressed', compressed: deflateRawSync(new Uint8Array(CS).fill(2)) }],
    [5, { kind: 'zero' }],
  ]);
  const image = buildQcow2({ size: 8 * CS, cluster_bits: 14, clusters, backing: undefined });
  // Header, L1 table (cluster 1), L2 table (cluster 2), the compressed bytes.
  const ranges: Array<[number, number]> = [
    [0, 112],
    [CS, CS + 16],
    [2 * CS, 2 * CS + 64],
    [image.length - CS, image.length],
  ];

  it('only IntrospectError escapes (600 seeded mutations)', () => {
    const rnd = random(0xc0e3);
    const outcome = { ok: 0, refused: 0 };
    for (let i = 0; i < 600; i++) {
      const file = mutant(`mutant-${i}.qcow2`, image, mutations(rnd, ranges));
      outcome[
        onlyIntrospectErrors(() => {
          const source = new Qcow2Source(file.name, file, parseQcow2Header(file));
          // Bounded: mutated sizes can be huge; read the first 8 clusters at most.
          source.read(0, Math.min(source.size, 8 * CS));
        })
      ]++;
    }
    expect(outcome.ok + outcome.refused).toBe(600);
    expect(outcome.refused).toBeGreaterThan(0);
  }, 60_000);
});

function session(): { session: InspectSession; added: StorageNode[]; guest: Guest } {
  const guest: Guest = { name: 'm', images: [], disks: [], nodes: [], volumeGroups: [], logicalVolumes: [], diagnostics: [] };
  const added: StorageNode[] = [];
  const s = {
    guest,
    introspector: undefined as never,
    addNode: (node: Omit<StorageNode, 'depth'>) => {
      const n = { ...node, depth: 1 };
      added.push(n);
      return n;
    },
    report: (level: 'warning' | 'error', error: IntrospectError, device?: string) => void guest.diagnostics.push({ level, error, device }),
  };
  return { session: s, added, guest };
}

describe('mutated partition tables', () => {
  const cases: Array<[string, Uint8Array, Array<[number, number]>]> = [
    ['MBR/EBR', buildMixedMbr(), [[0x1be, 0x200], [6144 * 512 + 0x1be, 6144 * 512 + 0x200], [10240 * 512 + 0x1be, 10240 * 512 + 0x200]]],
    [
      'GPT',
      buildGpt({
        sectorSize: 512,
        sectors: 8192,
        diskGuid: 'C0E30003-0000-4000-8000-0000000000D0',
        partitions: [{ slot: 1, type: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', uuid: 'C0E30003-0001-4000-8000-000000000001', first: 2048, last: 4095, name: 'root' }],
      }),
      [[0x1be, 0x200], [512, 604], [1024, 1024 + 256], [8191 * 512, 8191 * 512 + 92]],
    ],
  ];
  for (const [name, disk, ranges] of cases) {
    it(`${name}: only IntrospectError escapes and every partition lies inside the disk (600 seeded mutations)`, () => {
      const rnd = random(name.length * 7919);
      for (let i = 0; i < 600; i++) {
        const { session: s, added } = session();
        const node: StorageNode = { device: '/dev/sda', kind: 'disk', source: mutant(`mutant-${i}.img`, disk, mutations(rnd, ranges)), depth: 0 };
        onlyIntrospectErrors(() => {
          node.content = detectGpt(node) ?? detectDos(node);
          if (node.content) {
            expandGpt(node, s);
            expandDos(node, s);
          }
        });
        for (const p of added) {
          expect(p.source.size).toBeGreaterThanOrEqual(0);
          expect(p.partition!.start + p.source.size).toBeLessThanOrEqual(disk.length);
        }
        expect(added.length).toBeLessThanOrEqual(260);
      }
    }, 60_000);
  }
});
