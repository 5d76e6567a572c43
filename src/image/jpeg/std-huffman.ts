/**
 * The standard Huffman tables of ITU-T T.81 Annex K.3 (K.3.3.1 DC, K.3.3.2 AC; luminance and
 * chrominance), which libjpeg-turbo's sequential Huffman decoder puts in table slots 0 and 1 when
 * a file leaves them undefined (jstdhuff.c std_huff_tables, called by jinit_huff_decoder: Motion
 * JPEG frames carry no DHT). Counts per code length 1..16, then the symbols.
 */

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** One standard table: code counts for lengths 1..16 and the symbols in code order. */
export interface StdHuffmanTable { counts: Uint8Array; symbols: Uint8Array }

const DC_SYMBOLS = hex('000102030405060708090a0b');

/** DC tables 0 (luminance) and 1 (chrominance). */
export const STD_DC: readonly StdHuffmanTable[] = [
  { counts: hex('00010501010101010100000000000000'), symbols: DC_SYMBOLS },
  { counts: hex('00030101010101010101010000000000'), symbols: DC_SYMBOLS },
];

/** AC tables 0 (luminance) and 1 (chrominance). */
export const STD_AC: readonly StdHuffmanTable[] = [
  {
    counts: hex('0002010303020403050504040000017d'),
    symbols: hex(
      '01020300041105122131410613516107227114328191a1082342b1c11552d1f0' +
      '2433627282090a161718191a25262728292a3435363738393a43444546474849' +
      '4a535455565758595a636465666768696a737475767778797a83848586878889' +
      '8a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5' +
      'c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8' +
      'f9fa'),
  },
  {
    counts: hex('00020102040403040705040400010277'),
    symbols: hex(
      '000102031104052131061241510761711322328108144291a1b1c109233352f0' +
      '156272d10a162434e125f11718191a262728292a35363738393a434445464748' +
      '494a535455565758595a636465666768696a737475767778797a828384858687' +
      '88898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3' +
      'c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8' +
      'f9fa'),
  },
];
