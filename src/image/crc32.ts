/**
 * CRC-32 (ISO 3309, zlib's and PNG's: polynomial 0xEDB88320, reflected, initial and final XOR
 * ~0), table-driven. No `node:` imports: PNG chunks (png.ts) and gallery files
 * (src/gallery/format.ts) check with it, in Node and in the browser.
 */
let crcTable: Uint32Array | undefined;

/**
 * CRC-32 (ISO 3309 / PNG) of `bytes[start, end)`.
 *
 * Requires: 0 <= start <= end <= bytes.length. Ensures: returns an unsigned 32-bit integer.
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
