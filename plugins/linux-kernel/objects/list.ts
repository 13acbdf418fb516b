// Walking the kernel's intrusive lists (linux include/linux/list.h list_for_each_entry,
// include/linux/types.h struct list_head { next, prev }), with a visited set against cycles, a cap
// on the number of entries, and broken pointers ending the walk with a warning naming the structure
// while keeping what was read before it.

import { IntrospectError } from '../../../core/errors.js';
import type { KernelObjects, KObject } from './reader.js';

/** Default cap on the entries of one list (pid_max is at most 4M; a list this long is corrupt). */
export const DEFAULT_LIST_CAP = 1 << 22;

export interface ListWalk {
  entries: KObject[];
  /** Problems that ended or shortened the walk, one sentence each. */
  warnings: string[];
  /** True when the walk came back to the head. */
  complete: boolean;
}

export interface ListWalkOptions {
  cap?: number;
  /** Name for warnings, e.g. "init_task.tasks". */
  name?: string;
  /** Also include the entry the head is embedded in (walking from an element rather than a bare head). */
  includeHead?: boolean;
}

/**
 * list_for_each_entry(pos, head, member): the `struct` objects whose `member` list_head is linked
 * after `head` (the address of a list_head), until the list comes back to `head`.
 */
export function listForEachEntry(objects: KernelObjects, head: bigint, struct: string, member: string, options: ListWalkOptions = {}): ListWalk {
  const cap = options.cap ?? DEFAULT_LIST_CAP;
  const name = options.name ?? `${struct}.${member} list`;
  const entries: KObject[] = [];
  const warnings: string[] = [];
  const offset = BigInt(objects.offsetof(struct, member));
  const alignMask = BigInt(objects.pointerSize - 1);
  if (options.includeHead) entries.push(objects.at(struct, head - offset));
  const seen = new Set<bigint>([head]);
  let node = head;
  for (;;) {
    let next: bigint;
    try {
      next = objects.readPointer(node, `${name}: list_head.next at 0x${node.toString(16)}`);
    } catch (e) {
      if (!(e instanceof IntrospectError)) throw e;
      warnings.push(`${name}: broken pointer: ${struct}.${member}.next at 0x${node.toString(16)} cannot be read (${e.reason}); ${entries.length} entries read before it`);
      return { entries, warnings, complete: false };
    }
    if (next === head) return { entries, warnings, complete: true };
    if (next === 0n || (next & alignMask) !== 0n || !objects.vm.isMapped(next, objects.pointerSize * 2)) {
      warnings.push(
        `${name}: broken pointer: ${struct}.${member}.next at 0x${node.toString(16)} is 0x${next.toString(16)} (${next === 0n ? 'NULL' : (next & alignMask) !== 0n ? 'misaligned' : 'not mapped'}); ${entries.length} entries read before it`,
      );
      return { entries, warnings, complete: false };
    }
    if (seen.has(next)) {
      warnings.push(`${name}: cycle: ${struct}.${member}.next at 0x${node.toString(16)} goes back to 0x${next.toString(16)}, not to the head; ${entries.length} entries read`);
      return { entries, warnings, complete: false };
    }
    if (entries.length >= cap) {
      warnings.push(`${name}: more than ${cap} entries; stopped there`);
      return { entries, warnings, complete: false };
    }
    seen.add(next);
    entries.push(objects.at(struct, next - offset));
    node = next;
  }
}

/**
 * A singly-linked chain through a pointer member (in_ifaddr.ifa_next...), NULL-terminated, with the
 * same cycle detection, cap and broken-pointer handling.
 */
export function chainForEach(objects: KernelObjects, first: bigint, struct: string, nextField: string, options: ListWalkOptions = {}): ListWalk {
  const cap = options.cap ?? DEFAULT_LIST_CAP;
  const name = options.name ?? `${struct}.${nextField} chain`;
  const entries: KObject[] = [];
  const warnings: string[] = [];
  const seen = new Set<bigint>();
  let at = first;
  while (at !== 0n) {
    if (seen.has(at)) {
      warnings.push(`${name}: cycle back to 0x${at.toString(16)}; ${entries.length} entries read`);
      return { entries, warnings, complete: false };
    }
    if (entries.length >= cap) {
      warnings.push(`${name}: more than ${cap} entries; stopped there`);
      return { entries, warnings, complete: false };
    }
    const obj = objects.at(struct, at);
    let next: bigint;
    try {
      next = obj.ptr(nextField);
    } catch (e) {
      if (!(e instanceof IntrospectError)) throw e;
      warnings.push(`${name}: broken pointer: ${struct} at 0x${at.toString(16)} cannot be read (${e.reason}); ${entries.length} entries read before it`);
      return { entries, warnings, complete: false };
    }
    seen.add(at);
    entries.push(obj);
    at = next;
  }
  return { entries, warnings, complete: true };
}
