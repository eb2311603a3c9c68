import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { PkiError } from './errors';

const FORMAT_ID = 1;
const HEADER_LEN = 1 + 4; // format id + key version
const IV_LEN = 12;
const TAG_LEN = 16;
const MIN_LEN = HEADER_LEN + IV_LEN + TAG_LEN;
const HKDF_SALT = 'certctl-ts secret box';
const MAX_VERSION = 0xffffffff;

/**
 * AES-256-GCM encryption at rest with versioned master keys.
 *
 * Blob layout: format id (1 byte, =1) | key version (uint32 BE) | IV (12) | GCM tag (16) | ciphertext.
 * Each key string (>= 32 chars) is stretched with HKDF-SHA256 (salt 'certctl-ts secret box',
 * info 'v<version>') into a 32-byte key. Optional `aad` (UTF-8) is bound as GCM additional
 * data; omitting it is the same as passing ''. Rotation: construct with old and new keys and
 * the new version as current — old blobs still decrypt, new ones use the current key.
 */
export class SecretBox {
  readonly currentVersion: number;
  readonly #keys = new Map<number, Buffer>();

  constructor(keys: Record<number, string>, currentVersion: number) {
    if (!keys || typeof keys !== 'object') throw new PkiError('invalid_key', 'keys must be an object of version → secret');
    for (const [v, secret] of Object.entries(keys)) {
      const version = Number(v);
      if (!/^[0-9]+$/.test(v) || version < 1 || version > MAX_VERSION) {
        throw new PkiError('invalid_key', `key version "${v}" must be an integer between 1 and ${MAX_VERSION}`);
      }
      if (typeof secret !== 'string' || secret.length < 32) {
        throw new PkiError('invalid_key', `key v${version} must be a string of at least 32 characters`);
      }
      const derived = hkdfSync('sha256', Buffer.from(secret, 'utf8'), HKDF_SALT, `v${version}`, 32);
      this.#keys.set(version, Buffer.from(derived));
    }
    if (!this.#keys.has(currentVersion)) {
      throw new PkiError('invalid_key', `current key version ${String(currentVersion)} is not among the keys`);
    }
    this.currentVersion = currentVersion;
  }

  /** A box with a single key, version 1. */
  static fromSecret(secret: string): SecretBox {
    return new SecretBox({ 1: secret }, 1);
  }

  /** Key versions this box can decrypt, ascending. */
  get versions(): number[] {
    return [...this.#keys.keys()].sort((a, b) => a - b);
  }

  encrypt(plaintext: string | Buffer, aad?: string): Buffer {
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    if (!(data instanceof Uint8Array)) throw new PkiError('invalid_request', 'plaintext must be a string or Buffer');
    const key = this.#keys.get(this.currentVersion) as Buffer;
    const iv = randomBytes(IV_LEN);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
    cipher.setAAD(aadBytes(aad));
    const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
    const header = Buffer.alloc(HEADER_LEN);
    header.writeUInt8(FORMAT_ID, 0);
    header.writeUInt32BE(this.currentVersion, 1);
    return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Plaintext bytes; PkiError('decrypt_failed') on tampering, wrong key, AAD mismatch or unknown version. */
  decrypt(blob: Buffer, aad?: string): Buffer {
    const version = this.keyVersionOf(blob);
    const key = this.#keys.get(version);
    if (!key) throw new PkiError('decrypt_failed', `unknown key version ${version}`);
    const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    const iv = bytes.subarray(HEADER_LEN, HEADER_LEN + IV_LEN);
    const tag = bytes.subarray(HEADER_LEN + IV_LEN, MIN_LEN);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
      decipher.setAAD(aadBytes(aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(bytes.subarray(MIN_LEN)), decipher.final()]);
    } catch (err) {
      throw new PkiError('decrypt_failed', 'decryption failed (tampered data, wrong key or AAD mismatch)', { cause: err });
    }
  }

  /** decrypt() as UTF-8 text. */
  decryptString(blob: Buffer, aad?: string): string {
    return this.decrypt(blob, aad).toString('utf8');
  }

  /** The key version a blob was encrypted with; PkiError('decrypt_failed') if it is not a SecretBox blob. */
  keyVersionOf(blob: Buffer): number {
    if (!(blob instanceof Uint8Array) || blob.byteLength < MIN_LEN) {
      throw new PkiError('decrypt_failed', 'not a SecretBox blob (too short)');
    }
    const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    if (bytes.readUInt8(0) !== FORMAT_ID) throw new PkiError('decrypt_failed', `unknown blob format ${bytes.readUInt8(0)}`);
    return bytes.readUInt32BE(1);
  }

  /** True when the blob was encrypted with an older (or other) key than the current one. */
  needsRotation(blob: Buffer): boolean {
    return this.keyVersionOf(blob) !== this.currentVersion;
  }

  /** Decrypts and re-encrypts with the current key (no-op copy semantics for current blobs). */
  rotate(blob: Buffer, aad?: string): Buffer {
    return this.encrypt(this.decrypt(blob, aad), aad);
  }

  toJSON(): string {
    return `SecretBox(v${this.currentVersion})`;
  }
}

function aadBytes(aad: string | undefined): Buffer {
  if (aad !== undefined && typeof aad !== 'string') throw new PkiError('invalid_request', 'aad must be a string');
  return Buffer.from(aad ?? '', 'utf8');
}
