import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntrospectError } from '../errors.js';
import { findDomain, parseDomainXml, readDomains } from './domains.js';
import { parseXml } from './xml.js';

describe('XML reader', () => {
  it('elements, attributes in both quotes, entities, comments, CDATA, declarations', () => {
    const root = parseXml(`<?xml version="1.0"?>\n<!DOCTYPE x>\n<!-- a <comment> -->\n<a x='1' y="&quot;2&quot; &amp; &#x41;&#66;"><b/>t&lt;<![CDATA[<raw>]]><c k = "v">in</c></a>\n`);
    expect(root.name).toBe('a');
    expect(root.attributes).toEqual({ x: '1', y: '"2" & AB' });
    expect(root.children.map((c) => c.name)).toEqual(['b', 'c']);
    expect(root.text).toBe('t<<raw>');
    expect(root.children[1].attributes.k).toBe('v');
  });

  it.each([
    ['<a><b></a>', /does not match/],
    ['<a>', /not closed/],
    ['<a/><b/>', /more than one root/],
    ['<a x=1/>', /bad attribute/],
    ['text', /outside the root/],
    ['<!-- x', /unterminated comment/],
  ])('%j is refused', (text, reason) => {
    expect(() => parseXml(text)).toThrow(reason);
  });
});

describe('libvirt domain definitions', () => {
  const xml = `<domain type='kvm'>
  <name>web &amp; db</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/images/web.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/vg/web-data'/><target dev='vdb'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sda'/></disk>
    <disk type='network' device='disk'><source protocol='rbd' name='pool/img'/><target dev='vdc'/></disk>
  </devices>
</domain>`;

  it('name, uuid, disks with formats; empty and network drives noted', () => {
    expect(parseDomainXml(xml, 'web.xml')).toEqual({
      name: 'web & db',
      uuid: '11111111-2222-3333-4444-555555555555',
      disks: [
        { path: '/images/web.qcow2', format: 'qcow2', target: 'vda', device: 'disk' },
        { path: '/dev/vg/web-data', format: 'raw', target: 'vdb', device: 'disk' },
      ],
      skippedDisks: ['sda: no source', 'vdc: network disk (rbd)'],
      file: 'web.xml',
    });
  });

  it('a definition that is not a domain, or has no name, is an error naming the file', () => {
    expect(() => parseDomainXml('<network/>', 'n.xml')).toThrow(IntrospectError);
    expect(() => parseDomainXml('<domain><uuid>x</uuid></domain>', 'n.xml')).toThrow(/no name/);
    expect(() => parseDomainXml('<domain><name>x</domain>', 'bad.xml')).toThrow(/bad\.xml: libvirt domain XML/);
  });

  it('a folder: domains sorted by name, unreadable files apart; lookup by name or UUID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'introspect-libvirt-'));
    writeFileSync(join(dir, 'z.xml'), xml);
    writeFileSync(join(dir, 'a.xml'), '<domain><name>zeta</name><uuid>AAAAAAAA-0000-0000-0000-000000000000</uuid></domain>');
    writeFileSync(join(dir, 'broken.xml'), '<domain><name>x</name>');
    writeFileSync(join(dir, 'notes.txt'), 'not a definition');
    const { domains, errors } = readDomains(dir);
    expect(domains.map((d) => d.name)).toEqual(['web & db', 'zeta']);
    expect(errors.map((e) => e.file)).toEqual([join(dir, 'broken.xml')]);
    expect(findDomain('aaaaaaaa-0000-0000-0000-000000000000', dir).name).toBe('zeta');
    expect(() => findDomain('nope', dir)).toThrow(/no domain named nope \(1 definition\(s\) could not be read/);
    expect(() => readDomains(join(dir, 'missing'))).toThrow(/not found/);
  });
});
