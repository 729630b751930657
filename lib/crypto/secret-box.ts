import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM with a key version stored beside each ciphertext, so keys can rotate:
// new data is sealed with the current version, old data opens with the version it names.
export type Sealed = { ciphertext: string; keyVersion: number };

export class SecretBox {
  constructor(
    private readonly keys: ReadonlyMap<number, Buffer>,
    readonly currentVersion: number,
  ) {
    if (!keys.has(currentVersion)) throw new Error(`secret key version ${currentVersion} is not loaded`);
  }

  seal(plaintext: string, aad: string): Sealed {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentVersion)!, nonce);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const packed = Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64');
    return { ciphertext: packed, keyVersion: this.currentVersion };
  }

  open(sealed: Sealed, aad: string): string {
    const key = this.keys.get(sealed.keyVersion);
    if (!key) throw new Error(`secret key version ${sealed.keyVersion} is not configured`);
    const packed = Buffer.from(sealed.ciphertext, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, packed.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(packed.subarray(12, 28));
    return Buffer.concat([decipher.update(packed.subarray(28)), decipher.final()]).toString('utf8');
  }
}
