import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../../core/errors.js';
import { Introspector } from '../../core/pipeline/introspector.js';
import { BytesSource } from '../../core/source/derived-sources.js';
import { bootSectorRejection, readNtfsGeometry } from './boot-sector.js';
import { AT_ATTRIBUTE_LIST, AT_BITMAP, AT_DATA, AT_VOLUME_NAME } from './layout.js';
import { applyFixups, parseMftRecord, type RecordLocation } from './mft-record.js';
import { detectNtfs, ntfsPlugin, ntfsStatfs } from './plugin.js';
import { countZeroBits, popcount32 } from './popcount.js';
import { RunlistError, decodeRunlist } from './runlist.js';
import { ntfsStatvfs } from './statvfs.js';
import {
  attributeListValue,
  buildBootSector,
  buildMftRecord,
  encodeRunlist,
  nonResidentAttribute,
  residentAttribute,
  type SyntheticRun,
} from './synthetic.js';
import { NtfsVolume } from './volume.js';

// ---------- a small synthetic volume: 1 KiB clusters, 1 KiB records, 127 clusters ----------
const CS = 1024;
const NR_CLUSTERS = 127;
const MFT_LCN = 16;

interface VolumeOptions {
  fragmentedMft?: boolean;
  residentMftBitmap?: boolean;
  sparseBitmapTail?: boolean;
  label?: string;
}

const USED_CLUSTERS = [...Array(21).keys(), ...Array.from({ length: 12 }, (_, i) => 40 + i), 64, 100, 101];

function utf16(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) & 0xff;
    out[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return out;
}

/** Device offset of MFT record n for the layout below. */
function recordOffset(n: number, fragmented: boolean): number {
  if (!fragmented || n < 4) return (MFT_LCN + n) * CS;
  return (40 + n - 4) * CS;
}

function buildVolume(o: VolumeOptions = {}): Uint8Array {
  const image = new Uint8Array(128 * CS);
  image.set(buildBootSector({ sectors_per_cluster: 2, number_of_sectors: 255n, mft_lcn: BigInt(MFT_LCN), mftmirr_lcn: 64n, volume_serial_number: 0xc0e3000600000001n }), 0);
  const mftSize = { allocated_size: 16 * CS, data_size: 16 * CS };
  const mftRuns: SyntheticRun[] = o.fragmentedMft ? [{ lcn: MFT_LCN, length: 4 }] : [{ lcn: MFT_LCN, length: 16 }];
  const mftBitmapBytes = new Uint8Array(8);
  mftBitmapBytes.set([0xff, 0xff]);
  const mftBitmap = o.residentMftBitmap
    ? residentAttribute(AT_BITMAP, mftBitmapBytes)
    : nonResidentAttribute(AT_BITMAP, [{ lcn: 102, length: 1 }], { allocated_size: CS, data_size: 8 });
  image.set(mftBitmapBytes, 102 * CS);
  const record0: Uint8Array[] = [];
  if (o.fragmentedMft) {
    record0.push(residentAttribute(AT_ATTRIBUTE_LIST, attributeListValue([
      { type: AT_DATA, lowest_vcn: 0, recordNumber: 0 },
      { type: AT_DATA, lowest_vcn: 4, recordNumber: 2 },
      { type: AT_BITMAP, lowest_vcn: 0, recordNumber: 0 },
    ])));
  }
  record0.push(nonResidentAttribute(AT_DATA, mftRuns, mftSize), mftBitmap);
  const put = (n: number, bytes: Uint8Array) => image.set(bytes, recordOffset(n, !!o.fragmentedMft));
  put(0, buildMftRecord(0, record0));
  if (o.fragmentedMft) {
    put(2, buildMftRecord(2, [nonResidentAttribute(AT_DATA, [{ lcn: 40, length: 12 }], { ...mftSize, lowest_vcn: 4 })], { base_mft_record: 0 }));
  }
  put(3, buildMftRecord(3, o.label === undefined ? [] : [residentAttribute(AT_VOLUME_NAME, utf16(o.label))]));
  const bitmap = new Uint8Array(16);
  for (const c of [...USED_CLUSTERS, 127]) bitmap[c >> 3] |= 1 << (c & 7); // bit 127 lies past the volume, set as mkntfs does
  image.set(bitmap, 101 * CS);
  const bitmapRuns: SyntheticRun[] = o.sparseBitmapTail ? [{ lcn: 101, length: 1 }, { lcn: null, length: 1 }] : [{ lcn: 101, length: 1 }];
  const bitmapSize = o.sparseBitmapTail ? { allocated_size: 2 * CS, data_size: 2 * CS } : { allocated_size: CS, data_size: 16 };
  put(6, buildMftRecord(6, [nonResidentAttribute(AT_DATA, bitmapRuns, bitmapSize)]));
  return image;
}

const FREE_CLUSTERS = NR_CLUSTERS - USED_CLUSTERS.length;

describe('popcount', () => {
  it('popcount32 equals a bit-by-bit count', () => {
    let x = 0x9e3779b9;
    for (let i = 0; i < 1000; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      let naive = 0;
      for (let b = 0; b < 32; b++) naive += (x >>> b) & 1;
      expect(popcount32(x)).toBe(naive);
    }
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0)).toBe(0);
  });

  it('countZeroBits handles unaligned views and partial lengths', () => {
    const buffer = new Uint8Array(103);
    for (let i = 0; i < buffer.length; i++) buffer[i] = (i * 37 + 11) & 0xff;
    for (const start of [0, 1, 2, 3, 5]) {
      const view = buffer.subarray(start);
      for (const bits of [0, 1, 7, 8, 9, 31, 32, 33, 200, view.length * 8]) {
        let zeros = 0;
        for (let i = 0; i < bits; i++) zeros += (view[i >> 3] >> (i & 7)) & 1 ? 0 : 1;
        expect(countZeroBits(view, bits), `start ${start} bits ${bits}`).toBe(zeros);
      }
    }
    expect(() => countZeroBits(new Uint8Array(2), 17)).toThrow(RangeError);
  });
});

describe('runlist', () => {
  it('decodes signed deltas and sparse runs', () => {
    // 0x21: 1-byte length, 2-byte offset; second run goes backwards; third is sparse (0x01).
    const pairs = encodeRunlist([{ lcn: 0x1234, length: 8 }, { lcn: 0x1000, length: 0x80 }, { lcn: null, length: 5 }, { lcn: 0x1010, length: 1 }]);
    expect(Array.from(pairs.subarray(0, 4))).toEqual([0x21, 8, 0x34, 0x12]);
    const runs = decodeRunlist(pairs, 0, pairs.length, 0, 0x10000);
    expect(runs).toEqual([
      { vcn: 0, lcn: 0x1234, length: 8 },
      { vcn: 8, lcn: 0x1000, length: 0x80 },
      { vcn: 0x88, lcn: null, length: 5 },
      { vcn: 0x8d, lcn: 0x1010, length: 1 },
    ]);
  });

  it('starts at lowest_vcn for later extents', () => {
    const pairs = encodeRunlist([{ lcn: 40, length: 12 }]);
    expect(decodeRunlist(pairs, 0, pairs.length, 4, 127)).toEqual([{ vcn: 4, lcn: 40, length: 12 }]);
  });

  it('refuses runs outside the volume, missing terminators and negative lengths', () => {
    const past = encodeRunlist([{ lcn: 120, length: 10 }]);
    expect(() => decodeRunlist(past, 0, past.length, 0, 127)).toThrow(/outside the 127 clusters/);
    const below = encodeRunlist([{ lcn: 10, length: 1 }, { lcn: -5, length: 1 }]);
    expect(() => decodeRunlist(below, 0, below.length, 0, 127)).toThrow(RunlistError);
    const unterminated = encodeRunlist([{ lcn: 10, length: 1 }]).subarray(0, 3);
    expect(() => decodeRunlist(unterminated, 0, unterminated.length, 0, 127)).toThrow(/not terminated/);
    expect(() => decodeRunlist(Uint8Array.from([0x11, 0xff, 0x01, 0]), 0, 4, 0, 127)).toThrow(/negative run length/);
    expect(() => decodeRunlist(Uint8Array.from([0x10, 0x01, 0]), 0, 3, 0, 127)).toThrow(/without a length/);
  });
});

describe('MFT record fixups', () => {
  const loc = (n: number, base: number): RecordLocation => ({ file: 'img', recordNumber: n, sourceOffset: (i) => base + i });

  it('restores the protected bytes and walks attributes', () => {
    const label = residentAttribute(AT_VOLUME_NAME, utf16('ABC'));
    const record = buildMftRecord(3, [label], { usn: 0x1234 });
    expect(record[510] | (record[511] << 8)).toBe(0x1234);
    applyFixups(record, loc(3, 0x5000));
    expect(record[1022] | (record[1023] << 8)).toBe(0); // original bytes back
    const parsed = parseMftRecord(record, 1024, loc(3, 0x5000));
    expect(parsed.attributes.map((a) => a.type)).toEqual([AT_VOLUME_NAME]);
    expect(new TextDecoder('utf-16le').decode(parsed.attributes[0].value)).toBe('ABC');
  });

  it('names the record, its offset and the stride on a torn write', () => {
    const record = buildMftRecord(6, [], { usn: 2 });
    record[1022] = 0xfd;
    record[1023] = 0xff;
    let error: unknown;
    try {
      applyFixups(record, loc(6, 22528));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IntrospectError);
    const e = error as IntrospectError;
    expect(e.structure).toBe('NTFS MFT record 6 ($Bitmap)');
    expect(e.offset).toBe(22528 + 1022);
    expect(e.reason).toContain('stride 2 of 2');
    expect(e.reason).toContain('record at offset 22528');
    expect(e.reason).toContain('found 0xfffd, expected update sequence number 0x0002');
  });

  it('refuses records without FILE magic or with an invalid update sequence array', () => {
    const record = buildMftRecord(1, []);
    record.set([0x42, 0x41, 0x41, 0x44], 0); // "BAAD"
    expect(() => applyFixups(record, loc(1, 0))).toThrow(/no FILE magic \(found "BAAD"/);
    const bad = buildMftRecord(1, []);
    bad[6] = 9; // usa_count
    expect(() => applyFixups(bad, loc(1, 0))).toThrow(/invalid update sequence array/);
  });

  it('bounds the attribute walk by bytes_in_use', () => {
    const record = buildMftRecord(5, [residentAttribute(AT_DATA, new Uint8Array(40))]);
    applyFixups(record, loc(5, 0));
    record[0x38 + 4] = 0xf0; // attribute length 0xf0 > bytes in use
    expect(() => parseMftRecord(record, 1024, loc(5, 0))).toThrow(/corrupt length 240/);
  });
});

describe('boot sector', () => {
  it('decodes sectors_per_cluster > 128 as 2^(256-v) and negative clusters_per_mft_record', () => {
    const image = new Uint8Array(4096);
    // 0xF4: 2^12 sectors of 512 bytes = 2 MiB clusters (NTFS_MAX_CLUSTER_SIZE).
    image.set(buildBootSector({ sectors_per_cluster: 0xf4, number_of_sectors: 8n, mft_lcn: 1n, mftmirr_lcn: 2n, clusters_per_mft_record: 0xf6 }), 0);
    expect(bootSectorRejection(image.subarray(0, 512))).toBeUndefined();
    const sector = buildBootSector({ sectors_per_cluster: 0xf3, number_of_sectors: 8n, mft_lcn: 1n, mftmirr_lcn: 2n });
    expect(bootSectorRejection(sector)).toMatch(/cluster size 4194304/);
    const ok = buildBootSector({ sectors_per_cluster: 8, number_of_sectors: 63n, mft_lcn: 2n, mftmirr_lcn: 5n, clusters_per_mft_record: 0xf6, volume_serial_number: 0xabcn });
    const g = readNtfsGeometry(new BytesSource('x', Uint8Array.from([...ok, ...new Uint8Array(63 * 512 - 512)])));
    expect(g).toMatchObject({ cluster_size: 4096, nr_clusters: 7, mft_record_size: 1024, mft_lcn: 2, uuid: '0000000000000ABC' });
    const twoClusterRecords = buildBootSector({ sectors_per_cluster: 1, number_of_sectors: 63n, mft_lcn: 2n, mftmirr_lcn: 5n, clusters_per_mft_record: 2 });
    expect(readNtfsGeometry(new BytesSource('x', Uint8Array.from([...twoClusterRecords, ...new Uint8Array(63 * 512 - 512)]))).mft_record_size).toBe(1024);
  });

  it('rejects FAT-like, odd and overlapping boot sectors', () => {
    const fatLike = buildBootSector({ sectors_per_cluster: 8, number_of_sectors: 63n, mft_lcn: 2n, mftmirr_lcn: 5n });
    fatLike[0x10] = 2; // fats
    expect(bootSectorRejection(fatLike)).toMatch(/FAT/);
    expect(bootSectorRejection(buildBootSector({ sectors_per_cluster: 3, number_of_sectors: 63n, mft_lcn: 2n, mftmirr_lcn: 5n }))).toMatch(/sectors per cluster/);
    expect(bootSectorRejection(buildBootSector({ sectors_per_cluster: 8, number_of_sectors: 63n, mft_lcn: 2n, mftmirr_lcn: 2n }))).toMatch(/\$MFTMirr/);
    expect(bootSectorRejection(buildBootSector({ sectors_per_cluster: 8, number_of_sectors: 63n, mft_lcn: 2n, mftmirr_lcn: 5n, clusters_per_mft_record: 3 }))).toMatch(/mft record/);
    expect(bootSectorRejection(new Uint8Array(512))).toMatch(/OEM id/);
  });

  it('refuses a volume larger than its device', () => {
    const sector = buildBootSector({ sectors_per_cluster: 8, number_of_sectors: 1000n, mft_lcn: 2n, mftmirr_lcn: 5n });
    expect(() => readNtfsGeometry(new BytesSource('small', Uint8Array.from([...sector, ...new Uint8Array(512)])))).toThrow(/extends past the end/);
  });
});

describe('statvfs (ntfs-3g ntfs_fuse_statfs)', () => {
  const geometry = (clusterBits: number, recordBits: number) =>
    ({ cluster_size: 2 ** clusterBits, cluster_size_bits: clusterBits, mft_record_size_bits: recordBits, nr_clusters: 1000 }) as Parameters<typeof ntfsStatvfs>[0];

  it('converts free clusters to records by the size ratio, both ways', () => {
    const mft = { allocated_size: 4096, data_size: 16, zeroBits: 49, zeroBitsBeyond: 0 };
    const bm = { allocated_size: 128, data_size: 125, zeroBits: 301, zeroBitsBeyond: 0 };
    expect(ntfsStatvfs(geometry(12, 10), bm, mft)).toMatchObject({ blockSize: 4096, blocks: 1000, bfree: 301, bavail: 301, files: 32768 + 1204, ffree: 1204 + 49 + 4080 * 8 });
    expect(ntfsStatvfs(geometry(9, 10), bm, mft)).toMatchObject({ blockSize: 512, files: 32768 + 150, ffree: 150 + 49 + 4080 * 8 });
  });
});

describe('synthetic volume', () => {
  const source = (o: VolumeOptions = {}) => new BytesSource('synthetic.img', buildVolume(o));

  it('reads label, UUID and statfs', () => {
    const s = source({ label: 'Données' });
    expect(detectNtfs(s)).toEqual({ type: 'ntfs', plugin: 'ntfs', role: 'filesystem', uuid: 'C0E3000600000001', label: 'Données' });
    const stats = ntfsStatfs(s);
    const freeMftRecords = 48 + (CS - 8) * 8;
    expect(stats).toEqual({
      blockSize: CS,
      blocks: NR_CLUSTERS,
      bfree: FREE_CLUSTERS,
      bavail: FREE_CLUSTERS,
      files: CS * 8 + FREE_CLUSTERS,
      ffree: FREE_CLUSTERS + freeMftRecords,
      free_clusters: FREE_CLUSTERS,
      free_mft_records: freeMftRecords,
    });
  });

  it('has no label when $Volume has no $VOLUME_NAME', () => {
    expect(detectNtfs(source())).toEqual({ type: 'ntfs', plugin: 'ntfs', role: 'filesystem', uuid: 'C0E3000600000001' });
  });

  it('uses a resident $MFT/$BITMAP with allocated size rounded to 8', () => {
    const stats = ntfsStatfs(source({ residentMftBitmap: true }));
    expect(stats.free_mft_records).toBe(48);
    expect(stats.files).toBe(64 + FREE_CLUSTERS);
  });

  it('follows a fragmented $MFT through its $ATTRIBUTE_LIST and extent record', () => {
    const s = source({ fragmentedMft: true, label: 'FRAG' });
    const volume = NtfsVolume.open(s);
    expect(volume.mftRuns).toEqual([
      { vcn: 0, lcn: MFT_LCN, length: 4 },
      { vcn: 4, lcn: 40, length: 12 },
    ]);
    expect(volume.mftRecordCount).toBe(16);
    expect(volume.volumeName()).toBe('FRAG');
    // Record 6 lies in the second extent; reading it through the first run alone would find zeros.
    expect(volume.clusterBitmap().zeroBits).toBe(FREE_CLUSTERS);
    expect(ntfsStatfs(s).bfree).toBe(FREE_CLUSTERS);
  });

  it('counts a sparse $Bitmap tail as free, as ntfs-3g does, and reports it apart', () => {
    const volume = NtfsVolume.open(source({ sparseBitmapTail: true }));
    const count = volume.clusterBitmap();
    // First cluster: 1024*8 bits with the used ones and bit 127 set; second cluster sparse (zeros).
    expect(count.zeroBits).toBe(2 * CS * 8 - USED_CLUSTERS.length - 1);
    expect(count.zeroBitsBeyond).toBe(2 * CS * 8 - 128);
    expect(count.zeroBits - count.zeroBitsBeyond).toBe(FREE_CLUSTERS);
  });

  it('reports a torn $Bitmap record as an error naming record 6, not as figures', () => {
    const image = buildVolume();
    const at = recordOffset(6, false) + 1022;
    image[at] ^= 0xff;
    const s = new BytesSource('torn.img', image);
    expect(detectNtfs(s)).toMatchObject({ type: 'ntfs', uuid: 'C0E3000600000001' });
    expect(() => ntfsStatfs(s)).toThrow(IntrospectError);
    expect(() => ntfsStatfs(s)).toThrow(`torn.img: NTFS MFT record 6 ($Bitmap) at offset ${at}`);
  });

  it('still names a truncated volume, with its UUID and what is wrong', () => {
    const image = buildVolume({ label: 'CUT' }).subarray(0, 64 * CS);
    const found = detectNtfs(new BytesSource('cut.img', image));
    expect(found).toMatchObject({ type: 'ntfs', role: 'filesystem', uuid: 'C0E3000600000001', note: expect.stringMatching(/extends past the end of the 65536-byte device/) });
    expect(found?.label).toBeUndefined();
    expect(found?.error).toBeInstanceOf(IntrospectError);
    expect(() => ntfsStatfs(new BytesSource('cut.img', image))).toThrow(/NTFS boot sector at offset 40 .*extends past the end/);
  });

  it('does not claim non-NTFS bytes', () => {
    expect(detectNtfs(new BytesSource('zeros', new Uint8Array(4096)))).toBeUndefined();
    expect(detectNtfs(new BytesSource('tiny', new Uint8Array(100)))).toBeUndefined();
  });
});

describe('plugin through the Introspector', () => {
  it('detects a whole-disk NTFS and answers statfs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntfs-test-'));
    try {
      const path = join(dir, 'disk.img');
      writeFileSync(path, buildVolume({ label: 'PLUGIN' }));
      const introspector = new Introspector().use(ntfsPlugin);
      const guest = introspector.inspectGuest([{ path }]);
      const disk = guest.disks[0];
      expect(disk.content).toEqual({ type: 'ntfs', plugin: 'ntfs', role: 'filesystem', uuid: 'C0E3000600000001', label: 'PLUGIN' });
      const session = { guest, introspector, addNode: () => disk, report: () => undefined };
      expect(introspector.statfs(disk, session)).toEqual({ blockSize: CS, blocks: NR_CLUSTERS, bfree: FREE_CLUSTERS, bavail: FREE_CLUSTERS, files: CS * 8 + FREE_CLUSTERS, ffree: FREE_CLUSTERS + 48 + (CS - 8) * 8 });
      expect(guest.diagnostics).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('damaged volume through the Introspector (issue 9)', () => {
  it('reports a torn $Bitmap record once, at detect, as an error of the device; still named, no figures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntfs-test-'));
    try {
      const path = join(dir, 'torn.img');
      const image = buildVolume({ label: 'TORN' });
      image[recordOffset(6, false) + 1022] ^= 0xff;
      writeFileSync(path, image);
      const introspector = new Introspector().use(ntfsPlugin);
      const guest = introspector.inspectGuest([{ path }]);
      const disk = guest.disks[0];
      expect(disk.content).toEqual({ type: 'ntfs', plugin: 'ntfs', role: 'filesystem', uuid: 'C0E3000600000001', label: 'TORN', note: "figures unavailable: the volume's metadata is damaged" });
      expect(guest.diagnostics.map((d) => [d.level, d.device, d.error.structure, d.error.offset])).toEqual([['error', '/dev/sda', 'NTFS MFT record 6 ($Bitmap)', recordOffset(6, false) + 1022]]);
      const session = { guest, introspector, addNode: () => disk, report: () => undefined };
      expect(introspector.statfs(disk, session)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('corrupted metadata', () => {
  it('only ever fails with IntrospectError (seeded byte mutations of every metadata structure)', () => {
    let seed = 12345;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const regions = (fragmented: boolean) => [
      [0, 512],
      ...[0, 2, 3, 6].map((n) => [recordOffset(n, fragmented), 0x100]), // header, USA and attributes in use
      [101 * CS, 16],
      [102 * CS, 8],
    ];
    const outcomes = { ok: 0, refused: 0 };
    for (const fragmented of [false, true]) {
      const pristine = buildVolume({ fragmentedMft: fragmented, label: 'FUZZ' });
      const areas = regions(fragmented);
      for (let i = 0; i < 600; i++) {
        const image = pristine.slice();
        for (let k = 1 + random(3); k > 0; k--) {
          const [start, length] = areas[random(areas.length)];
          image[start + random(length)] = random(256);
        }
        const s = new BytesSource('fuzz.img', image);
        try {
          detectNtfs(s);
          ntfsStatfs(s);
          outcomes.ok++;
        } catch (error) {
          if (!(error instanceof IntrospectError)) throw new Error(`mutation ${i} (fragmented ${fragmented}) escaped as ${String(error)}`, { cause: error });
          outcomes.refused++;
        }
      }
    }
    expect(outcomes.refused).toBeGreaterThan(150);
    expect(outcomes.ok).toBeGreaterThan(500); // most single-byte changes hit bytes the reader does not depend on
  });
});
