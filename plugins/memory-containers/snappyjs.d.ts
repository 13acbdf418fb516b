// Types for the snappyjs package (pure-JS Snappy; it ships none).
declare module 'snappyjs' {
  const snappyjs: {
    uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
    compress(data: Uint8Array): Uint8Array;
  };
  export default snappyjs;
}
