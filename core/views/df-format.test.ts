import { describe, expect, it } from 'vitest';
import { csvField, dfRow, dfTitle, scaleBlocks } from './df-format.js';
import { humanReadable } from './human.js';
import { formatFixed } from './printf.js';

const text = { inodes: false, human: false, csv: false };
const csv = { inodes: false, human: false, csv: true };
const stats = (blockSize: number, blocks: number, bfree: number, bavail: number, files = 0, ffree = 0) => ({ blockSize, blocks, bfree, bavail, files, ffree });

describe('virt-df titles', () => {
  it('text, -h, -i and CSV headers', () => {
    expect(dfTitle(text)).toBe('Filesystem                           1K-blocks       Used  Available  Use%\n');
    expect(dfTitle({ ...text, human: true })).toBe('Filesystem                                Size       Used  Available  Use%\n');
    expect(dfTitle({ ...text, inodes: true })).toBe('Filesystem                              Inodes      IUsed      IFree IUse%\n');
    expect(dfTitle(csv)).toBe('VirtualMachine,Filesystem,1K-blocks,Used,Available,Use%\n');
    expect(dfTitle({ ...csv, inodes: true })).toBe('VirtualMachine,Filesystem,Inodes,IUsed,IFree,IUse%\n');
  });
});

describe('virt-df rows', () => {
  it('pads NAME:DEVICE to 36 columns (the corpus bare-ext4 line)', () => {
    expect(dfRow('bare-ext4-64bit.img', '/dev/sda', stats(4096, 14325, 9669, 8523), text)).toBe(
      'bare-ext4-64bit.img:/dev/sda             57300      18624      34092   33%\n',
    );
  });

  it('a name of exactly 36 bytes stays on the line; 37 bytes wraps to a new line indented by 36', () => {
    const name36 = 'x'.repeat(36 - ':/dev/sda1'.length);
    expect(dfRow(name36, '/dev/sda1', stats(1024, 100, 50, 40), text)).toBe(`${name36}:/dev/sda1       100         50         40   50%\n`);
    const name37 = name36 + 'y';
    expect(dfRow(name37, '/dev/sda1', stats(1024, 100, 50, 40), text)).toBe(`${name37}:/dev/sda1\n${' '.repeat(36)}       100         50         40   50%\n`);
  });

  it('measures the name in bytes, as strlen does', () => {
    // "ä" is two bytes in UTF-8: 35 characters are 36 bytes, so no padding and no wrap.
    const name = 'ä' + 'x'.repeat(24);
    expect(dfRow(name, '/dev/sda1', stats(1024, 1, 0, 0), text).startsWith(`${name}:/dev/sda1         1`)).toBe(true);
  });

  it('1K-blocks truncate for 512-byte blocks and multiply for larger ones', () => {
    expect(scaleBlocks(3n, 512n, 1024n)).toBe(1n);
    expect(scaleBlocks(3n, 2048n, 1024n)).toBe(6n);
    expect(dfRow('g', '/dev/sda', stats(512, 3, 1, 1), csv)).toBe('g,/dev/sda,1,1,0,66.7\n');
  });

  it('Use% is ceil(100 - 100*bfree/blocks), ignoring reserved blocks; CSV prints %.1f', () => {
    expect(dfRow('mbr-ext3.img', '/dev/sda1', stats(1024, 55102, 40852, 37627), csv)).toBe('mbr-ext3.img,/dev/sda1,55102,14250,37627,25.9\n');
    expect(dfRow('g', '/dev/sda', stats(1024, 4, 3, 3), text).endsWith('  25%\n')).toBe(true);
    expect(dfRow('g', '/dev/sda', stats(1024, 0, 0, 0), text).endsWith('    0%\n')).toBe(true);
  });

  it('the percentage is a C float: 99.55 as float prints 99.6, and exact ties round to even', () => {
    expect(dfRow('g', '/dev/sda', stats(1024, 1, 1, 1, 2000, 9), { ...csv, inodes: true })).toBe('g,/dev/sda,2000,1991,9,99.6\n');
    // 100 - 100*351/400 = 12.25 exactly: glibc prints 12.2 (toFixed would print 12.3).
    expect(dfRow('g', '/dev/sda', stats(1024, 400, 351, 0), csv)).toBe('g,/dev/sda,400,49,0,12.2\n');
  });

  it('-i: inodes, used inodes, free inodes', () => {
    expect(dfRow('mbr-mixed.img', '/dev/sda5', stats(4096, 1, 1, 1, 7680, 7609), { ...text, inodes: true })).toBe(
      'mbr-mixed.img:/dev/sda5                   7680         71       7609    1%\n',
    );
  });

  it('CSV quotes fields holding a space, comma, quote or newline, doubling quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('two words')).toBe('"two words"');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line\nbreak')).toBe('"line\nbreak"');
    expect(dfRow('my guest', '/dev/sda1', stats(1024, 4, 3, 3), csv)).toBe('"my guest",/dev/sda1,4,1,3,25.0\n');
  });

  it('-h rows use human_readable with round-to-nearest', () => {
    expect(dfRow('g', '/dev/sda', stats(4096, 14325, 9669, 8523), { ...text, human: true })).toBe(
      'g:/dev/sda' + ' '.repeat(26) + '       56M        18M        33M   33%\n',
    );
  });
});

describe('lines virt-df printed itself (libguestfs appliance on mkfs-made volumes, -h, a 49-byte name)', () => {
  const name = 'a-very-long-guest-image-name-for-wrapping.img++++';
  const human = { ...text, human: true };
  const wrap = ' '.repeat(36);
  it.each([
    ['/dev/sda', stats(4096, 14325, 9669, 8523), '       56M        18M        33M   33%'],
    ['/dev/sdb', stats(4096, 60416, 60352, 60352), '      236M       256K       236M    1%'], // xfs
    ['/dev/sdc', stats(512, 129022, 129021, 129021), '       63M        512        63M    1%'], // FAT32
    ['/dev/sdd', stats(2048, 175, 0, 0), '      350K       350K          0  100%'], // iso9660
    ['/dev/sde1', stats(2048, 14961, 14961, 14961), '       29M          0        29M    0%'], // FAT16 partition
  ])('%s', (device, s, figures) => {
    expect(dfRow(name, device, s, human)).toBe(`${name}:${device}\n${wrap}${figures}\n`);
  });
});

describe('gnulib human_readable (round to nearest, base 1024, SI letters)', () => {
  it.each([
    [0, '0'],
    [1023, '1023'],
    [1024, '1.0K'],
    [1536, '1.5K'],
    [10 * 1024, '10K'],
    [1048575, '1.0M'],
    [9070592, '8.7M'],
    [19070976, '18M'],
    [1024 ** 3 * 5.25, '5.2G'], // exact tie: half to even
    [1024 ** 3 * 5.35, '5.3G'],
    [1024 ** 4 * 1023.6, '1.0P'],
  ])('%d bytes -> %s', (bytes, expected) => {
    expect(humanReadable(BigInt(Math.round(bytes)), 1n)).toBe(expected);
  });

  it('scales from the block size', () => {
    expect(humanReadable(14325n, 4096n)).toBe('56M');
  });
});

describe('printf %.Nf', () => {
  it('rounds the exact binary value half to even', () => {
    expect(formatFixed(0.25, 1)).toBe('0.2');
    expect(formatFixed(0.75, 1)).toBe('0.8');
    expect(formatFixed(0.35, 1)).toBe('0.3'); // 0.35 is below the tie in binary
    expect(formatFixed(32.502, 1)).toBe('32.5');
    expect(formatFixed(99.95, 1)).toBe('100.0');
    expect(formatFixed(-2.5, 0)).toBe('-2');
    expect(formatFixed(3, 0)).toBe('3');
  });
});
