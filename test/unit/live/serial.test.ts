import { describe, expect, it } from 'vitest';
import { expectedInterfaces, expectedProcesses, normalizeLiveInterface, normalizeLiveProcess, sameWorkerTaskComm } from '../../live/compare.js';
import { argvOfCmdline, parseIpAddr, parseKmsg, parseProcwalk, parseSerialTruth, SerialFormatError, serialReady, splitSerial } from '../../live/serial.js';
import { fixtureSerial } from './serial-fixture.js';

describe('live guest serial parser', () => {
  it('READY counts only after @@TRUTH-END@@ and only as a whole line', () => {
    expect(serialReady(fixtureSerial())).toBe(true);
    expect(serialReady(fixtureSerial({ ready: false }))).toBe(false);
    expect(serialReady(fixtureSerial({ end: false }))).toBe(false);
    expect(serialReady(fixtureSerial({ ready: false }) + 'READ')).toBe(false);
    expect(serialReady('READY\r\n')).toBe(false);
  });

  it('splits sections and ignores the kernel messages before @@TRUTH-BEGIN@@', () => {
    const s = splitSerial(fixtureSerial());
    expect([...s.sections.keys()]).toEqual(['uname-a', 'uname-fields', 'proc-version', 'ip-addr', 'sys-net', 'kmsg', 'procwalk']);
    expect(s.complete).toBe(true);
    expect(s.ready).toBe(true);
    expect(s.sections.get('proc-version')).toEqual(['Linux version 6.1.0-56-amd64 (fixture) #1 SMP']);
  });

  it('parses uname, banner, processes, sys-net and ip addr into records', () => {
    const t = parseSerialTruth(fixtureSerial());
    expect(t.uname).toEqual({ sysname: 'Linux', nodename: 'introspect-guest', release: '6.1.0-56-amd64', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)', machine: 'x86_64' });
    expect(t.banner).toBe('Linux version 6.1.0-56-amd64 (fixture) #1 SMP');
    expect(t.processes.map((p) => [p.pid, p.comm, p.ppid, p.kernelThread, p.wqWorker, p.status.uid[0], p.num_threads])).toEqual([
      [1, 'init', 0, false, false, 0, 1],
      [2, 'kthreadd', 0, true, false, 0, 1],
      [7, 'kworker/0:0-rcu_gp', 2, true, true, 0, 1],
      [93, 'sleep', 1, false, false, 1000, 1],
      [95, 'a (b) c', 1, false, false, 0, 3],
    ]);
    expect(t.processes[0].argv).toEqual(['/bin/sh', '/init']);
    expect(t.processes[4].argv).toEqual(['/bin/sh', '--x=1 2']);
    expect(t.processes[1].argv).toEqual([]);
    expect(t.processes[3].status).toEqual({ name: 'sleep', tgid: 93, ppid: 1, uid: [1000, 1000, 1000, 1000], gid: [1000, 1000, 1000, 1000], threads: 1 });
    expect(t.sysNet).toEqual([
      { name: 'dummy0', ifindex: 2, mtu: 1500, address: '72:47:a5:8b:17:f3', flags: 0x83, operstate: 'unknown' },
      { name: 'lo', ifindex: 1, mtu: 65536, address: '00:00:00:00:00:00', flags: 0x9, operstate: 'unknown' },
    ]);
    expect(t.ipAddr[1]).toEqual({
      index: 2,
      name: 'dummy0',
      flags: ['BROADCAST', 'NOARP', 'UP', 'LOWER_UP'],
      mtu: 1500,
      linkType: 'ether',
      mac: '72:47:a5:8b:17:f3',
      ipv4: [{ address: '10.11.12.13', prefixLength: 24, scope: 'global' }],
      ipv6: [
        { address: 'fd00::1234', prefixLength: 64, scope: 'global' },
        { address: 'fe80::7047:a5ff:fe8b:17f3', prefixLength: 64, scope: 'link' },
      ],
    });
  });

  it('kmsg: level and facility from the prefix, dictionary lines and the shell\'s Terminated skipped, text kept escaped', () => {
    expect(parseSerialTruth(fixtureSerial()).kmsg).toEqual([
      { seq: 0, timestampUs: 0, level: 5, facility: 0, text: 'Linux version 6.1.0-56-amd64 (fixture)' },
      { seq: 1, timestampUs: 726914, level: 6, facility: 0, text: 'rcu: \\x09Max phase no-delay instances is 1000.' },
      { seq: 2, timestampUs: 3086569, level: 6, facility: 0, text: 'pci_bus 0000:00: resource 8 [mem 0x100000000-0x17fffffff window]' },
      { seq: 3, timestampUs: 8923189, level: 4, facility: 1, text: 'introspect-marker: hello from the guest' },
    ]);
    expect(() => parseKmsg(['6,1,x,-;bad'], 5)).toThrow(/line 5: kmsg: unexpected line/);
  });

  it('cmdline bytes: the final NUL ends the last argument, empty arguments stay', () => {
    expect(argvOfCmdline(new Uint8Array())).toEqual([]);
    expect(argvOfCmdline(Buffer.from('a\0\0b\0'))).toEqual(['a', '', 'b']);
    expect(argvOfCmdline(Buffer.from('no-final-nul'))).toEqual(['no-final-nul']);
  });

  it('refuses truncated or malformed output with the line number', () => {
    expect(() => parseSerialTruth(fixtureSerial({ end: false }))).toThrow(/no @@TRUTH-END@@/);
    expect(() => parseSerialTruth('kernel only\r\n')).toThrow(SerialFormatError);
    expect(() => parseProcwalk(['PROC 5', 'STAT 5 (x) S 1 0 0 0 -1 0', 'END-PROC'], 10)).toThrow(/line 11: STAT: 9 fields/);
    expect(() => parseProcwalk(['PROC 5', 'PROC 6'], 1)).toThrow(/PROC 5 has no END-PROC/);
    expect(() => parseProcwalk(['PROC 5'], 1)).toThrow(/PROC 5 has no END-PROC/);
    expect(() => parseProcwalk(['CMDLINE-HEX zz'], 1)).toThrow(/outside a PROC block/);
    expect(() => parseIpAddr(['    inet 1.2.3.4/8 scope host lo'], 1)).toThrow(/before an interface/);
    const bad = fixtureSerial().replace('CMDLINE-HEX 2f62', 'CMDLINE-HEX 2g62');
    expect(() => parseSerialTruth(bad)).toThrow(/CMDLINE-HEX: not hex/);
  });
});

describe('live guest comparison', () => {
  it('a workqueue worker may differ only in the work description after its task comm', () => {
    expect(sameWorkerTaskComm('kworker/0:0-rcu_gp', 'kworker/0:0-events')).toBe(true);
    expect(sameWorkerTaskComm('kworker/0:0-rcu_gp', 'kworker/0:0+mm_percpu_wq')).toBe(true);
    expect(sameWorkerTaskComm('kworker/u2:2', 'kworker/u2:2-events_unbound')).toBe(true);
    expect(sameWorkerTaskComm('kworker/0:0-rcu_gp', 'kworker/0:0')).toBe(true);
    expect(sameWorkerTaskComm('kworker/0:0-rcu_gp', 'kworker/0:1-rcu_gp')).toBe(false);
    expect(sameWorkerTaskComm('kworker/0:0-rcu_gp', 'kworker/0:0x')).toBe(false);
    expect(sameWorkerTaskComm('edac-poller', 'edac')).toBe(true);
    expect(sameWorkerTaskComm('edac-poller', 'edad-poller')).toBe(false);
  });

  it('expected records come from that boot, and live JSON is reduced to the same fields', () => {
    const t = parseSerialTruth(fixtureSerial());
    const expected = expectedProcesses(t);
    const byPid = new Map(t.processes.map((p) => [p.pid, p]));
    const live = expected.map((p) => ({ ...p, comm: p.pid === 7 ? 'kworker/0:0+events' : p.comm, state: 'S', extra: 1 }));
    expect(live.map((p) => normalizeLiveProcess(p, byPid.get(p.pid)))).toEqual(expected);
    // The suffix rule applies to workqueue workers only.
    expect(normalizeLiveProcess({ ...expected[1], comm: 'kthreadd-x' }, byPid.get(2)).comm).toBe('kthreadd-x');
    // A wrong pid, uid or argv shows up.
    expect(normalizeLiveProcess({ ...expected[3], uid: 0 }, byPid.get(93))).not.toEqual(expected[3]);
    expect(normalizeLiveProcess({ ...expected[0], args: ['/bin/sh'] }, byPid.get(1))).not.toEqual(expected[0]);

    const ifaces = expectedInterfaces(t);
    expect(ifaces.map((i) => i.name)).toEqual(['lo', 'dummy0']);
    const liveIfaces = [
      { netns: 'x', name: 'dummy0', index: 2, mac: '72:47:A5:8B:17:F3', mtu: 1500, flags: ['UP'], ipv4: [{ address: '10.11.12.13', prefixLength: 24 }], ipv6: [{ address: 'fe80::7047:a5ff:fe8b:17f3', prefixLength: 64, scope: 'link' }, { address: 'fd00::1234', prefixLength: 64, scope: 'global' }] },
      { name: 'lo', index: 1, mac: '00:00:00:00:00:00', mtu: 65536, ipv4: [{ address: '127.0.0.1', prefixLength: 8 }], ipv6: [{ address: '::1', prefixLength: 128, scope: 'host' }] },
    ];
    expect(liveIfaces.map(normalizeLiveInterface).sort((a, b) => a.index - b.index)).toEqual(ifaces);
    expect(normalizeLiveInterface({ ...liveIfaces[0], ipv4: [{ address: '10.11.12.13', prefixLength: 16 }] })).not.toEqual(ifaces[1]);
  });
});
