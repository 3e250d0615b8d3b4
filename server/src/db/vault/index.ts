export { Vault } from './vault.ts';
export { masterKeyId } from './crypto.ts';
