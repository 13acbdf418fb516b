// Network devices from memory: every struct net (anchors.ts), its dev_base_head list of net_device
// (linux include/linux/netdevice.h), IPv4 addresses from ip_ptr->ifa_list (include/linux/inetdevice.h
// struct in_ifaddr, ifa_next chain) and IPv6 addresses from ip6_ptr->addr_list (include/net/if_inet6.h
// struct inet6_ifaddr.if_list). Flags as the kernel reports them to `ip link` (net/core/dev.c
// dev_get_flags), named in iproute2's order (ip/ipaddress.c print_link_flags).

import { IntrospectError } from '../../../core/errors.js';
import type { KObject } from '../objects/reader.js';
import { chainForEach, listForEachEntry } from '../objects/list.js';
import { networkNamespaces } from './anchors.js';
import type { KernelView } from './context.js';

export interface Ipv4Address {
  address: string;
  prefixLength: number;
  scope: string;
  label?: string;
}

export interface Ipv6Address {
  address: string;
  prefixLength: number;
  scope: string;
}

export interface InterfaceRecord {
  /** Inode number of the network namespace (as /proc/PID/ns/net shows it: net:[N]). */
  netns: number;
  name: string;
  index: number;
  mac: string;
  mtu: number;
  flags: string[];
  /** dev_get_flags() value. */
  flagsValue: number;
  operstate: string;
  ipv4: Ipv4Address[];
  ipv6: Ipv6Address[];
}

export interface IfconfigResult {
  interfaces: InterfaceRecord[];
  warnings: string[];
  source: string;
}

/** include/uapi/linux/if.h net_device_flags */
export const IFF = {
  UP: 0x1, BROADCAST: 0x2, DEBUG: 0x4, LOOPBACK: 0x8, POINTOPOINT: 0x10, NOTRAILERS: 0x20, RUNNING: 0x40, NOARP: 0x80,
  PROMISC: 0x100, ALLMULTI: 0x200, MASTER: 0x400, SLAVE: 0x800, MULTICAST: 0x1000, PORTSEL: 0x2000, AUTOMEDIA: 0x4000,
  DYNAMIC: 0x8000, LOWER_UP: 0x10000, DORMANT: 0x20000, ECHO: 0x40000,
} as const;

/** iproute2 ip/ipaddress.c print_link_flags order. */
const FLAG_ORDER = ['LOOPBACK', 'BROADCAST', 'POINTOPOINT', 'MULTICAST', 'NOARP', 'ALLMULTI', 'PROMISC', 'MASTER', 'SLAVE', 'DEBUG', 'DYNAMIC', 'AUTOMEDIA', 'PORTSEL', 'NOTRAILERS', 'UP', 'LOWER_UP', 'DORMANT', 'ECHO'] as const;

/** include/linux/netdevice.h enum netdev_state_t */
const LINK_STATE_START = 0;
const LINK_STATE_NOCARRIER = 2;
const LINK_STATE_DORMANT = 4;
/** include/uapi/linux/if.h IF_OPER_* */
const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

/** net/core/dev.c dev_get_flags(). */
export function devGetFlags(flags: number, gflags: number, state: bigint, operstate: number): number {
  let out = (flags & ~(IFF.PROMISC | IFF.ALLMULTI | IFF.RUNNING | IFF.LOWER_UP | IFF.DORMANT)) | (gflags & (IFF.PROMISC | IFF.ALLMULTI));
  const bit = (n: number): boolean => ((state >> BigInt(n)) & 1n) === 1n;
  if (bit(LINK_STATE_START)) {
    if (operstate === 6 || operstate === 0) out |= IFF.RUNNING;
    if (!bit(LINK_STATE_NOCARRIER)) out |= IFF.LOWER_UP;
    if (bit(LINK_STATE_DORMANT)) out |= IFF.DORMANT;
  }
  return out >>> 0;
}

/** Flag names as iproute2 prints them: NO-CARRIER for up without RUNNING, RUNNING itself folded away. */
export function flagNames(value: number): string[] {
  const out: string[] = [];
  if (value & IFF.UP && !(value & IFF.RUNNING)) out.push('NO-CARRIER');
  let rest = value & ~IFF.RUNNING;
  for (const name of FLAG_ORDER) {
    if (rest & IFF[name]) {
      out.push(name);
      rest &= ~IFF[name];
    }
  }
  if (rest) out.push(rest.toString(16));
  return out;
}

/** include/uapi/linux/rtnetlink.h rt_scope_t */
export function ipv4Scope(scope: number): string {
  return scope === 0 ? 'global' : scope === 200 ? 'site' : scope === 253 ? 'link' : scope === 254 ? 'host' : scope === 255 ? 'nowhere' : String(scope);
}

/** net/ipv6/addrconf.c rt_scope(): IFA_HOST 0x10, IFA_LINK 0x20, IFA_SITE 0x40. */
export function ipv6Scope(scope: number): string {
  return scope & 0x10 ? 'host' : scope & 0x20 ? 'link' : scope & 0x40 ? 'site' : 'global';
}

export function formatIpv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text, as glibc inet_ntop: longest run of two or more zero groups as "::", embedded IPv4 for ::a.b.c.d and ::ffff:a.b.c.d. */
export function formatIpv6(b: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      cur = cur.base < 0 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
      if (cur.len > best.len) best = { ...cur };
    } else cur = { base: -1, len: 0 };
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += formatIpv4(b.subarray(12, 16));
      break;
    }
    out += words[i].toString(16);
  }
  if (best.base >= 0 && best.base + best.len === 8) out += ':';
  return out;
}

function macOf(dev: KObject): string {
  const len = Math.min(dev.u('addr_len'), 32);
  if (len === 0) return '';
  const field = dev.objects.field('net_device', 'dev_addr');
  let bytes: Uint8Array;
  if (field.type?.includes('*') ?? true) {
    const p = dev.ptr('dev_addr');
    bytes = p === 0n ? dev.bytes('perm_addr', len) : dev.objects.vm.read(p, len, `net_device.dev_addr of ${dev.str('name')}`);
  } else bytes = dev.bytes('dev_addr', len);
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(':');
}

function ipv4Of(dev: KObject, warnings: string[]): Ipv4Address[] {
  const inDev = dev.deref('ip_ptr', 'in_device');
  if (!inDev) return [];
  const walk = chainForEach(dev.objects, inDev.ptr('ifa_list'), 'in_ifaddr', 'ifa_next', { name: `${dev.str('name')} in_device.ifa_list`, cap: 1 << 16 });
  warnings.push(...walk.warnings);
  return walk.entries.map((ifa) => {
    const a: Ipv4Address = { address: formatIpv4(ifa.bytes('ifa_address', 4)), prefixLength: ifa.u('ifa_prefixlen'), scope: ipv4Scope(ifa.u('ifa_scope')) };
    if (ifa.has('ifa_label')) a.label = ifa.str('ifa_label');
    return a;
  });
}

function ipv6Of(dev: KObject, warnings: string[]): Ipv6Address[] {
  if (!dev.has('ip6_ptr')) return [];
  const idev = dev.deref('ip6_ptr', 'inet6_dev');
  if (!idev) return [];
  const walk = listForEachEntry(dev.objects, idev.addressOf('addr_list'), 'inet6_ifaddr', 'if_list', { name: `${dev.str('name')} inet6_dev.addr_list`, cap: 1 << 16 });
  warnings.push(...walk.warnings);
  return walk.entries.map((ifa) => ({ address: formatIpv6(ifa.bytes('addr', 16)), prefixLength: ifa.u('prefix_len'), scope: ipv6Scope(ifa.u('scope')) }));
}

export function listInterfaces(view: KernelView): IfconfigResult {
  const o = view.objects;
  const nets = networkNamespaces(view);
  const warnings = [...nets.warnings];
  const interfaces: InterfaceRecord[] = [];
  for (const net of nets.namespaces) {
    const netns = net.has('ns') && o.has('ns_common', 'inum') ? net.member('ns', 'ns_common').u('inum') : 0;
    const walk = listForEachEntry(o, net.addressOf('dev_base_head'), 'net_device', 'dev_list', { name: `netns ${netns} dev_base_head`, cap: 1 << 20 });
    warnings.push(...walk.warnings);
    for (const dev of walk.entries) {
      try {
        const operstate = dev.u('operstate');
        const flagsValue = devGetFlags(dev.u('flags'), dev.has('gflags') ? dev.u('gflags') : 0, dev.big('state'), operstate);
        interfaces.push({
          netns,
          name: dev.str('name'),
          index: dev.s('ifindex'),
          mac: macOf(dev),
          mtu: dev.u('mtu'),
          flags: flagNames(flagsValue),
          flagsValue,
          operstate: OPERSTATES[operstate] ?? String(operstate),
          ipv4: ipv4Of(dev, warnings),
          ipv6: ipv6Of(dev, warnings),
        });
      } catch (e) {
        if (!(e instanceof IntrospectError)) throw e;
        warnings.push(`net_device at 0x${dev.address.toString(16)}: ${e.message}`);
      }
    }
  }
  return { interfaces, warnings, source: nets.how };
}
