/**
 * Whether an ELF executable needs a dynamic loader. The control-plane images have no libc, so a
 * binary with a PT_INTERP program header would fail there with a bare "no such file or directory".
 */
const PT_INTERP = 3;

export type Linkage = 'static' | 'dynamic' | 'not-elf';

export function elfLinkage(binary: Buffer): Linkage {
  const isElf = binary.length >= 64 && binary.readUInt32BE(0) === 0x7f454c46;
  if (!isElf) return 'not-elf';
  const is64Bit = binary[4] === 2;
  const littleEndian = binary[5] === 1;
  const u16 = (offset: number) => (littleEndian ? binary.readUInt16LE(offset) : binary.readUInt16BE(offset));
  const u32 = (offset: number) => (littleEndian ? binary.readUInt32LE(offset) : binary.readUInt32BE(offset));
  const u64 = (offset: number) => Number(littleEndian ? binary.readBigUInt64LE(offset) : binary.readBigUInt64BE(offset));
  const programHeaders = is64Bit ? u64(0x20) : u32(0x1c);
  const entrySize = u16(is64Bit ? 0x36 : 0x2a);
  const count = u16(is64Bit ? 0x38 : 0x2c);
  for (let i = 0; i < count; i++) {
    const offset = programHeaders + i * entrySize;
    if (offset + 4 > binary.length) break;
    if (u32(offset) === PT_INTERP) return 'dynamic';
  }
  return 'static';
}
