export { SecretBox, type Sealed } from './secret-box';
export { loadInstanceKeys, resolveSecretKey, type InstanceKeys } from './keys';
export { keyedHash, hashesEqual, randomToken } from './keyed-hash';
