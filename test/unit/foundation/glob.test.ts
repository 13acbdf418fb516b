import { describe, expect, it } from 'vitest';
import { globToRegExp, matchesGlob } from '../../../core/config/glob.js';

describe('globToRegExp', () => {
  it.each([
    ['*.img', 'disk.img', true],
    ['*.img', 'disk.qcow2', false],
    ['*.img', 'dir/disk.img', false],
    ['/vms/*/disk.img', '/vms/web/disk.img', true],
    ['/vms/*/disk.img', '/vms/a/b/disk.img', false],
    ['/vms/**/disk.img', '/vms/disk.img', true],
    ['/vms/**/disk.img', '/vms/a/b/disk.img', true],
    ['/vms/**', '/vms/a/b.img', true],
    ['/vms/a**', '/vms/abc/d', true],
    ['disk?.img', 'disk1.img', true],
    ['disk?.img', 'disk12.img', false],
    ['disk?', 'disk/', false],
    ['debian-[0-9][0-9].qcow2', 'debian-12.qcow2', true],
    ['debian-[0-9][0-9].qcow2', 'debian-1x.qcow2', false],
    ['x[!ab]y', 'xcy', true],
    ['x[!ab]y', 'xay', false],
    ['x[^ab]y', 'xby', false],
    ['x[!a]y', 'x/y', false],
    ['a[/]b', 'a/b', false],
    ['[]]', ']', true],
    ['a[b', 'a[b', true],
    ['a.b', 'axb', false],
    ['(x)+$', '(x)+$', true],
    ['\\*', '*', true],
    ['\\*', 'a', false],
  ])('%s vs %s -> %s', (glob, path, expected) => {
    expect(matchesGlob(path, glob)).toBe(expected);
  });

  it('anchors the whole path', () => {
    expect(globToRegExp('b.img').test('ab.img')).toBe(false);
    expect(globToRegExp('b.img').test('b.img.bak')).toBe(false);
  });
});
