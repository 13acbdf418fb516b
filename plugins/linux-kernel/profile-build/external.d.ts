// Types for the decoder packages profile-build uses (they ship none).
declare module 'lzma-native' {
  /** Decodes .xz and .lzma (LZMA_ALONE) data with liblzma, every filter (x86 BCJ...) included. */
  export function decompress(input: Uint8Array, options?: Record<string, unknown>): Promise<Buffer>;
}
declare module 'seek-bzip' {
  const Bunzip: { decode(input: Uint8Array, output?: Uint8Array): Buffer };
  export default Bunzip;
}
