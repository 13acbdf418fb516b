// ifconfig over a synthetic kernel without net symbols: init_net found through init_task.nsproxy,
// the namespace list walked from it (its bare head skipped), devices, IPv4 chains and IPv6 lists.
import { describe, expect, it } from 'vitest';
import { bitmatch } from '../../../core/bitsyntax/index.js';
import type { KernelContext } from '../../../core/memory/kernel.js';
import type { PhysicalMemory } from '../../../core/memory/types.js';
import type { Profile, StructLayout } from '../../../core/profiles/types.js';
import { fakeVm } from '../kallsyms/test-vm.js';
import { kernelView } from './context.js';
import { ifconfigJson } from './render.js';
import { listInterfaces } from './ifconfig.js';

const BASE = 0xffff888000000000n;
const f = (offset: number, size: number, type?: string) => ({ offset, size, ...(type ? { type } : {}) });
const LAYOUTS: Record<string, StructLayout> = {
  list_head: { size: 16, fields: { next: f(0, 8), prev: f(8, 8) } },
  task_struct: { size: 48, fields: { pid: f(0, 4), tgid: f(4, 4), comm: f(8, 16, 'char[16]'), tasks: f(24, 16), nsproxy: f(40, 8) } },
  nsproxy: { size: 8, fields: { net_ns: f(0, 8) } },
  net: { size: 48, fields: { list: f(0, 16), dev_base_head: f(16, 16), loopback_dev: f(32, 8), ns: f(40, 8) } },
  ns_common: { size: 8, fields: { inum: f(0, 4) } },
  net_device: {
    size: 128,
    fields: {
      dev_list: f(0, 16), name: f(16, 16, 'char[16]'), ifindex: f(32, 4, 'int'), flags: f(36, 4), gflags: f(40, 2), mtu: f(44, 4),
      dev_addr: f(48, 8, 'const unsigned char *'), perm_addr: f(56, 32, 'unsigned char[32]'), addr_len: f(88, 1), operstate: f(89, 1), state: f(96, 8),
      ip_ptr: f(104, 8), ip6_ptr: f(112, 8), nd_net: f(120, 8),
    },
  },
  in_device: { size: 8, fields: { ifa_list: f(0, 8) } },
  in_ifaddr: { size: 32, fields: { ifa_next: f(0, 8), ifa_address: f(8, 4), ifa_prefixlen: f(12, 1), ifa_scope: f(13, 1), ifa_label: f(16, 16, 'char[16]') } },
  inet6_dev: { size: 16, fields: { addr_list: f(0, 16) } },
  inet6_ifaddr: { size: 40, fields: { addr: f(0, 16), prefix_len: f(16, 4), scope: f(20, 4), if_list: f(24, 16) } },
};

const listHead = bitmatch(`next : 64 : littleendian, prev : 64 : littleendian`);
const task = bitmatch(`pid : 32 : littleendian, tgid : 32 : littleendian, comm : 128 : bitstring, next : 64 : littleendian, prev : 64 : littleendian, nsproxy : 64 : littleendian`);
const net = bitmatch(`next : 64 : littleendian, prev : 64 : littleendian, dev_next : 64 : littleendian, dev_prev : 64 : littleendian, loopback_dev : 64 : littleendian, inum : 32 : littleendian, _ : 32`);
const netDevice = bitmatch(`
  next : 64 : littleendian, prev : 64 : littleendian, name : 128 : bitstring, ifindex : 32 : littleendian, flags : 32 : littleendian,
  gflags : 16 : littleendian, _ : 16, mtu : 32 : littleendian, dev_addr : 64 : littleendian, perm_addr : 256 : bitstring,
  addr_len : 8, operstate : 8, _ : 48, state : 64 : littleendian, ip_ptr : 64 : littleendian, ip6_ptr : 64 : littleendian, nd_net : 64 : littleendian`);
const ptr = bitmatch(`p : 64 : littleendian`);
const ifa = bitmatch(`ifa_next : 64 : littleendian, ifa_address : 32 : bitstring, ifa_prefixlen : 8, ifa_scope : 8, _ : 16, ifa_label : 128 : bitstring`);
const ifa6 = bitmatch(`addr : 128 : bitstring, prefix_len : 32 : littleendian, scope : 32 : littleendian, next : 64 : littleendian, prev : 64 : littleendian`);

const text = (s: string, n: number): Uint8Array => {
  const b = new Uint8Array(n);
  b.set(Buffer.from(s, 'latin1'));
  return b;
};

describe('ifconfig over a synthetic kernel', () => {
  const INIT = BASE + 0x100n;
  const NSP = BASE + 0x180n;
  const HEAD = BASE + 0x200n; // net_namespace_list: a bare list_head, unknown to the symbol tables
  const N1 = BASE + 0x300n;
  const N2 = BASE + 0x400n;
  const LO = BASE + 0x1000n;
  const ETH = BASE + 0x1100n;
  const MAC = BASE + 0x1200n;
  const IN1 = BASE + 0x1300n;
  const IFA_LO = BASE + 0x1340n;
  const IN2 = BASE + 0x1380n;
  const IFA_A = BASE + 0x13c0n;
  const IFA_B = BASE + 0x1400n;
  const I6 = BASE + 0x1500n;
  const IFA6 = BASE + 0x1540n;

  function setup(ifaCycle = false) {
    const bytes = new Uint8Array(0x2000);
    const put = (at: bigint, b: Uint8Array): void => bytes.set(b, Number(at - BASE));
    put(INIT, task.build({ pid: 0, tgid: 0, comm: text('swapper/0', 16), next: INIT + 24n, prev: INIT + 24n, nsproxy: NSP }));
    put(NSP, ptr.build({ p: N1 }));
    put(HEAD, listHead.build({ next: N1, prev: N2 }));
    put(N1, net.build({ next: N2, prev: HEAD, dev_next: LO, dev_prev: LO, loopback_dev: LO, inum: 4026531840 }));
    put(N2, net.build({ next: HEAD, prev: N1, dev_next: ETH, dev_prev: ETH, loopback_dev: 0n, inum: 4026532001 }));
    // lo: up, running, carrier; 127.0.0.1/8 host, ::1/128 host.
    put(LO, netDevice.build({
      next: N1 + 16n, prev: N1 + 16n, name: text('lo', 16), ifindex: 1, flags: 0x49, gflags: 0, mtu: 65536, dev_addr: MAC + 8n, perm_addr: new Uint8Array(32),
      addr_len: 6, operstate: 0, state: 0b1n, ip_ptr: IN1, ip6_ptr: I6, nd_net: N1,
    }));
    put(IN1, ptr.build({ p: IFA_LO }));
    put(IFA_LO, ifa.build({ ifa_next: 0n, ifa_address: Uint8Array.from([127, 0, 0, 1]), ifa_prefixlen: 8, ifa_scope: 254, ifa_label: text('lo', 16) }));
    put(I6, listHead.build({ next: IFA6 + 24n, prev: IFA6 + 24n }));
    put(IFA6, ifa6.build({ addr: Uint8Array.from([...new Array(15).fill(0), 1]), prefix_len: 128, scope: 0x10, next: I6, prev: I6 }));
    // veth0 in the second namespace: up without carrier, two IPv4 addresses, no IPv6.
    put(ETH, netDevice.build({
      next: N2 + 16n, prev: N2 + 16n, name: text('veth0', 16), ifindex: 7, flags: 0x1003, gflags: 0, mtu: 1500, dev_addr: MAC, perm_addr: new Uint8Array(32),
      addr_len: 6, operstate: 2, state: 0b101n, ip_ptr: IN2, ip6_ptr: 0n, nd_net: N2,
    }));
    put(MAC, Uint8Array.from([0x02, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]));
    put(IN2, ptr.build({ p: IFA_A }));
    put(IFA_A, ifa.build({ ifa_next: IFA_B, ifa_address: Uint8Array.from([10, 0, 0, 2]), ifa_prefixlen: 24, ifa_scope: 0, ifa_label: text('veth0', 16) }));
    put(IFA_B, ifa.build({ ifa_next: ifaCycle ? IFA_A : 0n, ifa_address: Uint8Array.from([169, 254, 1, 1]), ifa_prefixlen: 16, ifa_scope: 253, ifa_label: text('veth0:1', 16) }));
    const kernel = {
      vm: fakeVm(bytes, BASE, 8), release: '6.1.0', arch: 'x86_64', virtualShift: 0n,
      symbolTables: [{ name: 'test', lookup: (n: string) => (n === 'init_task' ? INIT : undefined) }],
      symbol: (n: string) => (n === 'init_task' ? INIT : undefined),
    } as unknown as KernelContext;
    const profile: Profile = { kind: 'linux-kernel', name: 'synthetic', versions: '6.1.0', arch: 'x86_64', data: { structs: LAYOUTS } };
    return kernelView({ name: 'synthetic.raw' } as PhysicalMemory, kernel, profile);
  }

  it('finds every namespace from init_task.nsproxy and lists devices with flags, MACs and addresses', () => {
    const r = listInterfaces(setup());
    expect(r.warnings).toEqual([]);
    expect(r.source).toBe('init_task.nsproxy->net_ns, then net.list (every entry that holds a valid device list)');
    expect(ifconfigJson(r.interfaces)).toEqual({
      interfaces: [
        {
          netns: 4026531840, name: 'lo', index: 1, mac: '00:00:00:00:00:00', mtu: 65536, flags: ['LOOPBACK', 'UP', 'LOWER_UP'], operstate: 'unknown',
          ipv4: [{ address: '127.0.0.1', prefixLength: 8, scope: 'host' }], ipv6: [{ address: '::1', prefixLength: 128, scope: 'host' }],
        },
        {
          netns: 4026532001, name: 'veth0', index: 7, mac: '02:00:00:00:00:01', mtu: 1500, flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], operstate: 'down',
          ipv4: [{ address: '10.0.0.2', prefixLength: 24, scope: 'global' }, { address: '169.254.1.1', prefixLength: 16, scope: 'link' }], ipv6: [],
        },
      ],
    });
  });

  it('a cycle in an address chain is a warning; the addresses before it are kept', () => {
    const r = listInterfaces(setup(true));
    expect(r.interfaces[1].ipv4.map((a) => a.address)).toEqual(['10.0.0.2', '169.254.1.1']);
    expect(r.warnings).toEqual([`veth0 in_device.ifa_list: cycle back to 0x${IFA_A.toString(16)}; 2 entries read`]);
  });
});
