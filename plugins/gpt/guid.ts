// GUID text form (UEFI spec; linux include/linux/uuid.h efi_guid_t): the first three fields are
// little-endian on disk, the last two are byte strings.

export function guidToString(bytes: Uint8Array, offset = 0): string {
  const b = bytes.subarray(offset, offset + 16);
  const hex = (i: number): string => b[i].toString(16).padStart(2, '0');
  const part = (indices: number[]): string => indices.map(hex).join('');
  return [part([3, 2, 1, 0]), part([5, 4]), part([7, 6]), part([8, 9]), part([10, 11, 12, 13, 14, 15])].join('-').toUpperCase();
}

export function guidFromString(text: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a GUID: ${text}`);
  const raw = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  return Uint8Array.from(order.map((i) => raw[i]));
}

export function isZeroGuid(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 16; i++) if (bytes[offset + i] !== 0) return false;
  return true;
}

/** A few well-known partition type GUIDs (sgdisk's names). */
export const GPT_TYPE_NAMES: Readonly<Record<string, string>> = {
  '0FC63DAF-8483-4772-8E79-3D69D8477DE4': 'Linux filesystem',
  'E6D6D379-F507-44C2-A23C-238F2A3DF928': 'Linux LVM',
  'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7': 'Microsoft basic data',
  'C12A7328-F81F-11D2-BA4B-00A0C93EC93B': 'EFI system partition',
  '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F': 'Linux swap',
  '21686148-6449-6E6F-744E-656564454649': 'BIOS boot partition',
  'A19D880F-05FC-4D3B-A006-743F0F84911E': 'Linux RAID',
  'E3C9E316-0B5C-4DB8-817D-F92DF00215AE': 'Microsoft reserved',
  '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709': 'Linux x86-64 root (/)',
  '933AC7E1-2EB4-4F13-B844-0E14E2AEF915': 'Linux /home',
};
