import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { IntrospectError } from '../../core/errors.js';
import { Introspector } from '../../core/pipeline/introspector.js';
import { BytesSource } from '../../core/source/derived-sources.js';
import { rawPlugin } from '../raw/index.js';
import { zstdCluster, zstdFrameExtent } from './compression.js';
import { parseQcow2Header } from './header.js';
import { qcow2Plugin, Qcow2Source } from './index.js';
import { buildQcow2, type TestCluster } from './test-image.js';

const CS = 65536;
const work = mkdtempSync(join(tmpdir(), 'introspect-qcow2-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function pattern(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
  return b;
}

function sourceOf(image: Uint8Array, name = 'test.qcow2', backing?: Qcow2Source | BytesSource): Qcow2Source {
  const file = new BytesSource(name, image);
  return new Qcow2Source(name, file, parseQcow2Header(file), backing);
}

function write(name: string, bytes: Uint8Array): string {
  const path = join(work, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

function introspector(allowBacking: string[] = []): Introspector {
  return new Introspector({ allowBacking }).use(qcow2Plugin, rawPlugin);
}

function thrown(f: () => unknown): IntrospectError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(IntrospectError);
    return error as IntrospectError;
  }
  throw new Error('expected an IntrospectError');
}

describe('qcow2 cluster mapping', () => {
  const d0 = pattern(CS, 1);
  const d3 = pattern(CS, 3);
  const dc = pattern(CS, 5);
  const clusters = new Map<number, TestCluster>([
    [0, { kind: 'data', data: d0 }],
    [1, { kind: 'zero' }],
    [3, { kind: 'data', data: d3 }],
    [4, { kind: 'compressed', compressed: deflateRawSync(dc) }],
  ]);
  const expected = new Uint8Array(8 * CS);
  expected.set(d0, 0);
  expected.set(d3, 3 * CS);
  expected.set(dc, 4 * CS);

  for (const version of [2, 3] as const) {
    it(`reads data, zero, unallocated and deflate clusters (v${version})`, () => {
      const image = buildQcow2({ version, size: 8 * CS, clusters: version === 2 ? new Map([...clusters].filter(([, c]) => c.kind !== 'zero')) : clusters });
      const source = sourceOf(image);
      expect(source.size).toBe(8 * CS);
      expect(Buffer.from(source.read(0, 8 * CS)).equals(Buffer.from(expected))).toBe(true);
      // Reads that straddle cluster boundaries and start mid-cluster.
      expect(Buffer.from(source.read(CS - 100, 300)).equals(Buffer.from(expected.subarray(CS - 100, CS + 200)))).toBe(true);
      expect(Buffer.from(source.read(4 * CS + 12345, 999)).equals(Buffer.from(expected.subarray(4 * CS + 12345, 4 * CS + 13344)))).toBe(true);
    });
  }

  it('caches L2 tables and decompressed clusters', () => {
    const source = sourceOf(buildQcow2({ size: 8 * CS, clusters }));
    for (let i = 0; i < 10; i++) source.read(4 * CS + i * 512, 512);
    expect(source.stats.decompressions).toBe(1);
    expect(source.stats.l2Loads).toBe(1);
  });

  it('refuses a compressed cluster that expands past one cluster', () => {
    const bomb = new Map<number, TestCluster>([[0, { kind: 'compressed', compressed: deflateRawSync(new Uint8Array(3 * CS)) }]]);
    const error = thrown(() => sourceOf(buildQcow2({ size: CS, clusters: bomb })).read(0, 10));
    expect(error.reason).toMatch(/more than one cluster/);
  });

  it('reads extended L2 subclusters: allocated, zero and unallocated (backing)', () => {
    const data = pattern(CS, 9);
    const sub = CS / 32;
    // subcluster 0 allocated, 1 zero, 2 unallocated (falls to the backing file), 3 allocated
    const image = buildQcow2({ size: CS, extended_l2: true, clusters: new Map([[0, { kind: 'subclusters', data, allocated: 0b1001, zero: 0b0010 }]]) });
    const backingBytes = new Uint8Array(CS).fill(0xbb);
    const source = sourceOf(image, 'ext.qcow2', new BytesSource('base', backingBytes));
    const got = source.read(0, 4 * sub);
    expect(Buffer.from(got.subarray(0, sub)).equals(Buffer.from(data.subarray(0, sub)))).toBe(true);
    expect(got.subarray(sub, 2 * sub).every((b) => b === 0)).toBe(true);
    expect(got.subarray(2 * sub, 3 * sub).every((b) => b === 0xbb)).toBe(true);
    expect(Buffer.from(got.subarray(3 * sub)).equals(Buffer.from(data.subarray(3 * sub, 4 * sub)))).toBe(true);
  });

  it('refuses a subcluster marked both allocated and zero', () => {
    const image = buildQcow2({ size: CS, extended_l2: true, clusters: new Map([[0, { kind: 'subclusters', data: new Uint8Array(CS), allocated: 1, zero: 1 }]]) });
    expect(thrown(() => sourceOf(image).read(0, 1)).reason).toMatch(/both allocated and zero/);
  });
});

describe('qcow2 zstd clusters', () => {
  // 16384 bytes of pattern compressed with `zstd -19 --no-check` (real compressed blocks).
  const plain = new Uint8Array(16384).map((_, i) => (i * 7 + Math.floor(i / 300)) & 0xff);
  const frame = Buffer.from(
    '28b52ffd60003f750b00041000070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e0e7eef5fc030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3eaf1f8ff060d141b222930373e454c535a61686f767d848b9299a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b727980878e959ca3aab1b8bfc6cdd4dbe2e9f0f7fe050c131a21282f363d444b525960676e757c838a91989fa6adb4bbc2c9d0d7dee5ecf3fa01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae1e8eff6fd040b121920272e353c434a51585f666d747b828990979ea5acb3bac1c8cfd6dde4ebf2f96ca8e1efffbf01e075863512f87f6fc124c12b042bfc01b546107104231a41c4118e48c411452862114530c288221ed1082312c108441c6144231071c41111714411454c44114618a188471c618444308288461823969241308c0c9a41336806fd1998a4327b8f0134a09155',
    'hex',
  );

  it('finds the end of a frame and ignores the sector padding after it', () => {
    const padded = new Uint8Array(frame.length + 200).fill(0x5a);
    padded.set(frame);
    expect(zstdFrameExtent(padded, 0).length).toBe(frame.length);
    expect(Buffer.from(zstdCluster(padded, 16384)).equals(Buffer.from(plain))).toBe(true);
  });

  it('reads a zstd-compressed cluster through the qcow2 source', () => {
    const image = buildQcow2({ size: 4 * 16384, cluster_bits: 14, compression_type: 'zstd', clusters: new Map([[2, { kind: 'compressed', compressed: frame }]]) });
    const source = sourceOf(image);
    expect(source.header.compression_type).toBe('zstd');
    expect(Buffer.from(source.read(2 * 16384, 16384)).equals(Buffer.from(plain))).toBe(true);
  });

  it('reports data that is not a zstd frame with the cluster offset', () => {
    const broken = Uint8Array.from(frame);
    broken[0] ^= 0xff;
    const image = buildQcow2({ size: 16384, cluster_bits: 14, compression_type: 'zstd', clusters: new Map([[0, { kind: 'compressed', compressed: broken }]]) });
    const error = thrown(() => sourceOf(image).read(0, 16));
    expect(error.structure).toBe('qcow2 zstd-compressed cluster');
    expect(error.reason).toMatch(/not a zstd frame/);
    expect(typeof error.offset).toBe('number');
  });

  it('refuses a zstd frame whose blocks could expand far beyond a cluster', () => {
    // Frame header without content size, window descriptor, then three 128 KiB RLE blocks.
    const rle = (last: number) => [((131072 << 3) | (1 << 1) | last) & 0xff, ((131072 << 3) >> 8) & 0xff, ((131072 << 3) >> 16) & 0xff, 0x41];
    const bomb = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, ...rle(0), ...rle(0), ...rle(1)]);
    expect(() => zstdCluster(bomb, 16384)).toThrow(/expand far beyond one cluster/);
  });
});

describe('qcow2 header checks', () => {
  it('refuses encrypted images', () => {
    const e = thrown(() => parseQcow2Header(new BytesSource('enc.qcow2', buildQcow2({ size: CS, crypt_method: 2 }))));
    expect(e.reason).toMatch(/encrypted \(LUKS\)/);
  });
  it('refuses external data files', () => {
    const e = thrown(() => parseQcow2Header(new BytesSource('ext.qcow2', buildQcow2({ size: CS, incompatible_features: 1n << 2n }))));
    expect(e.reason).toMatch(/external data file/);
  });
  it('refuses unknown incompatible features', () => {
    const e = thrown(() => parseQcow2Header(new BytesSource('x.qcow2', buildQcow2({ size: CS, incompatible_features: 1n << 9n }))));
    expect(e.reason).toMatch(/unsupported incompatible features 0x200/);
  });
  it('refuses qcow version 1', () => {
    const image = buildQcow2({ size: CS });
    new DataView(image.buffer).setUint32(4, 1);
    expect(thrown(() => parseQcow2Header(new BytesSource('x.qcow', image))).reason).toMatch(/version 1 images are not supported/);
  });
  it('refuses an out-of-range cluster_bits', () => {
    const image = buildQcow2({ size: CS });
    new DataView(image.buffer).setUint32(20, 31);
    expect(thrown(() => parseQcow2Header(new BytesSource('x.qcow2', image))).reason).toMatch(/cluster_bits 31/);
  });
  it('refuses an L1 table past the end of the file', () => {
    const e = thrown(() => parseQcow2Header(new BytesSource('x.qcow2', buildQcow2({ size: CS, l1_table_offset: 64 * CS }))));
    expect(e.structure).toBe('qcow2 L1 table');
    expect(e.reason).toMatch(/past the end of the file/);
  });
  it('refuses an L1 table larger than 32 MiB or too small for the disk', () => {
    expect(thrown(() => parseQcow2Header(new BytesSource('x.qcow2', buildQcow2({ size: CS, l1_size: 0x2000000 / 8 + 1 })))).reason).toMatch(/exceeds/);
    expect(thrown(() => parseQcow2Header(new BytesSource('x.qcow2', buildQcow2({ size: 2 ** 40, l1_size: 1 })))).reason).toMatch(/too small/);
  });
  it('refuses an L2 entry pointing past the end of the file', () => {
    const image = buildQcow2({ size: CS, clusters: new Map([[0, { kind: 'data', data: new Uint8Array(CS) }]]) });
    // L2 table is cluster 2; point its first entry far away.
    new DataView(image.buffer).setBigUint64(2 * CS, (1n << 63n) | BigInt(1000 * CS));
    expect(thrown(() => sourceOf(image).read(0, 1)).reason).toMatch(/past the end of the file/);
  });
});

describe('qcow2 backing files and --format', () => {
  const base = pattern(2 * CS, 11);
  const overlayData = pattern(CS, 12);
  const basePath = write('chain/base.raw', base);
  void basePath;

  it('follows a relative backing name from the overlay folder and reads zeros past a short backing file', () => {
    const overlay = write('chain/overlay.qcow2', buildQcow2({ size: 3 * CS, backing: { name: 'base.raw', format: 'raw' }, clusters: new Map([[1, { kind: 'data', data: overlayData }]]) }));
    const source = introspector().openImage(overlay);
    const got = source.read(0, 3 * CS);
    expect(Buffer.from(got.subarray(0, CS)).equals(Buffer.from(base.subarray(0, CS)))).toBe(true);
    expect(Buffer.from(got.subarray(CS, 2 * CS)).equals(Buffer.from(overlayData))).toBe(true);
    expect(got.subarray(2 * CS).every((b) => b === 0)).toBe(true);
  });

  it('follows a qcow2 backing chain of two hops', () => {
    const mid = write('chain/mid.qcow2', buildQcow2({ size: 2 * CS, backing: { name: 'base.raw', format: 'raw' } }));
    void mid;
    const top = write('chain/top.qcow2', buildQcow2({ size: 2 * CS, backing: { name: 'mid.qcow2', format: 'qcow2' } }));
    expect(Buffer.from(introspector().openImage(top).read(0, 2 * CS)).equals(Buffer.from(base))).toBe(true);
  });

  const hostile: Array<[string, string]> = [
    ['an absolute path', '/etc/passwd'],
    ['a ".." path', '../outside/secret.raw'],
    ['a device path', '/dev/zero'],
  ];
  write('outside/secret.raw', new Uint8Array(CS).fill(0x77));
  for (const [what, name] of hostile) {
    it(`refuses ${what} as backing file and names --allow-backing`, () => {
      const path = write(`hostile/${what.replace(/\W+/g, '_')}.qcow2`, buildQcow2({ size: CS, backing: { name } }));
      const error = thrown(() => introspector().openImage(path));
      expect(error.structure).toBe('qcow2 backing file');
      expect(error.reason).toMatch(/outside the image's folder/);
      expect(error.reason).toContain('--allow-backing');
    });
  }

  it('refuses a symlink inside the folder that leads outside it', () => {
    symlinkSync(join(work, 'outside/secret.raw'), join(work, 'hostile/link.raw'));
    const path = write('hostile/via-link.qcow2', buildQcow2({ size: CS, backing: { name: 'link.raw' } }));
    expect(thrown(() => introspector().openImage(path)).reason).toMatch(/outside the image's folder/);
  });

  it('follows a backing file in a folder given with allowBacking', () => {
    const path = write('hostile/allowed.qcow2', buildQcow2({ size: CS, backing: { name: '../outside/secret.raw', format: 'raw' } }));
    const got = introspector([join(work, 'outside')]).openImage(path).read(0, 16);
    expect(got.every((b) => b === 0x77)).toBe(true);
  });

  it('refuses protocol and json: backing names', () => {
    const path = write('hostile/json.qcow2', buildQcow2({ size: CS, backing: { name: 'json:{"file.driver":"file","file.filename":"/etc/shadow"}' } }));
    expect(thrown(() => introspector().openImage(path)).reason).toMatch(/protocol or json/);
  });

  it('stops a backing chain that loops', () => {
    const path = write('loop/self.qcow2', buildQcow2({ size: CS, backing: { name: 'self.qcow2', format: 'qcow2' } }));
    expect(thrown(() => introspector().openImage(path)).reason).toMatch(/backing chain longer than/);
  });

  it('warns (once per image of the chain) when qemu marked an image corrupt', () => {
    const path = write('flags/corrupt.qcow2', buildQcow2({ size: CS, incompatible_features: 1n << 1n }));
    const guest = introspector().inspectGuest([{ path }]);
    expect(guest.disks).toHaveLength(1);
    expect(guest.diagnostics.map((d) => [d.level, d.device, d.error.structure])).toEqual([['warning', '/dev/sda', 'qcow2 header incompatible_features']]);
    const clean = write('flags/clean.qcow2', buildQcow2({ size: CS }));
    expect(introspector().inspectGuest([{ path: clean }]).diagnostics).toEqual([]);
  });

  it('--format raw reads a qcow2 file as raw bytes; --format qcow2 refuses a raw file', () => {
    const q = write('fmt/a.qcow2', buildQcow2({ size: 4 * CS }));
    const raw = write('fmt/b.raw', new Uint8Array(4096));
    expect(introspector().openImage(q, 'raw').size).not.toBe(4 * CS);
    expect(introspector().openImage(q).size).toBe(4 * CS);
    expect(thrown(() => introspector().openImage(raw, 'qcow2')).reason).toMatch(/not a qcow2 image/);
  });
});
