// @ts-check
// A zip archive, stored (not compressed: photos and videos are compressed already), built
// as a Blob from parts so a large file never has to be one array in memory.
import { PlainError } from "../errors.js";

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Carry a CRC-32 over more bytes. @param {number} crc  ~0 to start @param {Uint8Array} bytes */
export function crc32(crc, bytes) {
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return crc;
}

/** Build a zip entry by entry; `blob()` gives the archive. */
export class ZipWriter {
  constructor() {
    /** @type {BlobPart[]} */
    this.parts = [];
    /** @type {import("../vault/bytes.js").Bytes[]} */
    this.central = [];
    this.offset = 0;
    this.count = 0;
  }

  /**
   * Add a file from its bytes, given as chunks (read one at a time).
   * @param {string} name  path inside the archive, with "/" between folders
   * @param {AsyncIterable<import("../vault/bytes.js").Bytes> | Iterable<import("../vault/bytes.js").Bytes>} chunks
   */
  async add(name, chunks) {
    let crc = ~0;
    let size = 0;
    /** @type {BlobPart[]} */
    const body = [];
    for await (const chunk of chunks) {
      crc = crc32(crc, chunk);
      size += chunk.length;
      body.push(chunk);
    }
    crc = ~crc >>> 0;
    if (size > 0xfffffff0 || this.offset > 0xfffffff0) throw new PlainError("The bundle would be larger than 4 GB: choose a shorter range.");
    const path = new TextEncoder().encode(name);
    const { date, time } = dosTime(new Date());
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true); // version needed
    local.setUint16(6, 0x0800, true); // names are UTF-8
    local.setUint16(8, 0, true); // stored
    local.setUint16(10, time, true);
    local.setUint16(12, date, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, size, true);
    local.setUint32(22, size, true);
    local.setUint16(26, path.length, true);
    local.setUint16(28, 0, true);
    const entry = new DataView(new ArrayBuffer(46));
    entry.setUint32(0, 0x02014b50, true);
    entry.setUint16(4, 20, true);
    entry.setUint16(6, 20, true);
    entry.setUint16(8, 0x0800, true);
    entry.setUint16(10, 0, true);
    entry.setUint16(12, time, true);
    entry.setUint16(14, date, true);
    entry.setUint32(16, crc, true);
    entry.setUint32(20, size, true);
    entry.setUint32(24, size, true);
    entry.setUint16(28, path.length, true);
    entry.setUint32(42, this.offset, true);
    this.central.push(new Uint8Array(entry.buffer), path);
    this.parts.push(local.buffer, path, new Blob(body));
    this.offset += 30 + path.length + size;
    this.count += 1;
  }

  /** The finished archive. */
  blob() {
    const size = this.central.reduce((n, part) => n + part.length, 0);
    const end = new DataView(new ArrayBuffer(22));
    end.setUint32(0, 0x06054b50, true);
    end.setUint16(8, this.count, true);
    end.setUint16(10, this.count, true);
    end.setUint32(12, size, true);
    end.setUint32(16, this.offset, true);
    return new Blob([...this.parts, ...this.central, end.buffer], { type: "application/zip" });
  }
}

/** @param {Date} d */
function dosTime(d) {
  return {
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}
