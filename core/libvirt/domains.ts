// libvirt domains from their XML definitions (libvirt docs/formatdomain.rst): <name>, <uuid>, and the
// <disk> elements of <devices> with their <source file|dev> and <driver type>. virt-df reads the same
// through libvirt (guestfs-tools common/options/domains.c sorts domains by name).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { IntrospectError } from '../errors.js';
import { child, childrenNamed, parseXml, XmlError } from './xml.js';

export const DEFAULT_LIBVIRT_DIR = '/etc/libvirt/qemu';

export interface DomainDisk {
  path: string;
  /** <driver type=...>: raw, qcow2...; undefined to detect. */
  format?: string;
  /** <target dev=...>, e.g. vda. */
  target?: string;
  device: string;
}

export interface Domain {
  name: string;
  uuid?: string;
  disks: DomainDisk[];
  /** Disks that cannot be opened from here (network sources, empty drives), with why. */
  skippedDisks: string[];
  file: string;
}

/** Parse one domain definition. */
export function parseDomainXml(text: string, file: string): Domain {
  let root;
  try {
    root = parseXml(text);
  } catch (error) {
    if (error instanceof XmlError) throw new IntrospectError({ file, structure: 'libvirt domain XML', offset: error.offset, reason: error.message });
    throw error;
  }
  if (root.name !== 'domain') throw new IntrospectError({ file, structure: 'libvirt domain XML', reason: `root element is <${root.name}>, not <domain>` });
  const name = child(root, 'name')?.text.trim();
  if (!name) throw new IntrospectError({ file, structure: 'libvirt domain XML <name>', reason: 'domain has no name' });
  const uuid = child(root, 'uuid')?.text.trim() || undefined;
  const disks: DomainDisk[] = [];
  const skippedDisks: string[] = [];
  const devices = child(root, 'devices');
  for (const disk of devices ? childrenNamed(devices, 'disk') : []) {
    const device = disk.attributes.device ?? 'disk';
    const target = child(disk, 'target')?.attributes.dev;
    const source = child(disk, 'source');
    const path = source?.attributes.file ?? source?.attributes.dev;
    if (!path || source?.attributes.protocol) {
      skippedDisks.push(`${target ?? device}: ${source?.attributes.protocol ? `network disk (${source.attributes.protocol})` : 'no source'}`);
      continue;
    }
    const driverType = child(disk, 'driver')?.attributes.type;
    disks.push({ path, format: driverType, target, device });
  }
  return { name, uuid, disks, skippedDisks, file };
}

/** Every domain defined in a folder (*.xml), sorted by name as virt-df lists them; unreadable files apart. */
export function readDomains(dir: string = DEFAULT_LIBVIRT_DIR): { domains: Domain[]; errors: IntrospectError[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new IntrospectError({ file: dir, structure: 'libvirt configuration folder', reason: 'not found (use --libvirt-dir, or -a IMAGE)' });
  }
  const domains: Domain[] = [];
  const errors: IntrospectError[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((f) => resolve(join(dir, f)))
    .filter((f) => statSync(f).isFile());
  for (const file of files) {
    try {
      domains.push(parseDomainXml(readFileSync(file, 'utf8'), file));
    } catch (error) {
      if (!(error instanceof IntrospectError)) throw error;
      errors.push(error);
    }
  }
  domains.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { domains, errors };
}

/** Every domain defined in a folder, sorted by name; the first unreadable definition is an error. */
export function listDomains(dir: string = DEFAULT_LIBVIRT_DIR): Domain[] {
  const { domains, errors } = readDomains(dir);
  if (errors.length > 0) throw errors[0];
  return domains;
}

/** The domain with this name or UUID (unreadable definitions are named when nothing matched). */
export function findDomain(nameOrUuid: string, dir: string = DEFAULT_LIBVIRT_DIR): Domain {
  const { domains, errors } = readDomains(dir);
  const found = domains.find((d) => d.name === nameOrUuid) ?? domains.find((d) => d.uuid?.toLowerCase() === nameOrUuid.toLowerCase());
  if (!found) {
    const unreadable = errors.length > 0 ? ` (${errors.length} definition(s) could not be read: ${errors.map((e) => e.file).join(', ')})` : '';
    throw new IntrospectError({ file: dir, structure: 'libvirt domain', reason: `no domain named ${nameOrUuid}${unreadable}` });
  }
  return found;
}
