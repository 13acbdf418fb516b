/** libguestfs device names: disk 0 -> /dev/sda, 25 -> /dev/sdz, 26 -> /dev/sdaa. */
export function diskDeviceName(index: number): string {
  let name = '';
  let n = index;
  do {
    name = String.fromCharCode(97 + (n % 26)) + name;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return `/dev/sd${name}`;
}

/** virt-df's guest name: basename of the first disk plus one "+" per extra disk. */
export function guestName(images: readonly string[]): string {
  if (images.length === 0) return '';
  const first = images[0].replace(/\/+$/, '');
  const base = first.slice(first.lastIndexOf('/') + 1);
  return base + '+'.repeat(images.length - 1);
}
