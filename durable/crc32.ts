/**
 * CRC-32 (the IEEE 802.3 / zlib / PNG polynomial), table-driven. `node:zlib` has `crc32` only from Node 22 and
 * this package supports Node 20. It guards journal records and snapshots against torn writes and bit rot: it
 * detects every burst error up to 32 bits, so any torn or overwritten tail of a record fails it.
 */

const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** The CRC-32 of `bytes[start, end)`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
