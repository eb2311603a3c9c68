/** The two parts of node-forge (no bundled types) SCEP uses: single-DES CBC decryption and its byte buffers. */
declare module 'node-forge/lib/util' {
  interface ForgeByteBuffer {
    getBytes(): string;
  }
  const util: { createBuffer(bytes: string): ForgeByteBuffer };
  export default util;
}
declare module 'node-forge/lib/des' {
  import type util from 'node-forge/lib/util';
  type ByteBuffer = ReturnType<typeof util.createBuffer>;
  interface DesCipher {
    update(input: ByteBuffer): void;
    /** False when the padding is wrong. */
    finish(): boolean;
    output: ByteBuffer;
  }
  const des: { startDecrypting(key: string, iv: string): DesCipher };
  export default des;
}
