export { SecretBox, type Sealed } from './secret-box';
export { loadInstanceKeys, resolveSecretKey, type InstanceKeys } from './keys';
export { keyedHash, keyedHashMatch, hashesEqual, randomToken, type HashingKeys } from './keyed-hash';
