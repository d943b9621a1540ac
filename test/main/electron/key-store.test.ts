/**
 * The desktop key store without the Electron binary: a safeStorage-shaped object (typed from Electron's declarations)
 * that really transforms the bytes, and an electron-store-shaped map, so "encrypted at rest" is something a test can see.
 */
import { describe, expect, it } from 'vitest';
import { SafeStorageKeyStore, type EncryptedKeyStorage, type SafeStorageLike } from '../../../src/main/electron/key-store';

type Backend = ReturnType<SafeStorageLike['getSelectedStorageBackend']>;

/** Stands in for the OS key store: XOR with a per-"keychain" byte behind a `v10` prefix, as Chromium's blobs carry one. */
function fakeSafeStorage(o: { available?: boolean; backend?: Backend; keychain?: number } = {}) {
  const state = { available: o.available ?? true, backend: o.backend ?? ('gnome_libsecret' as Backend), keychain: o.keychain ?? 0x5a };
  const safe: SafeStorageLike = {
    isEncryptionAvailable: () => state.available,
    getSelectedStorageBackend: () => state.backend,
    encryptString: (plain) => {
      if (!state.available)
        throw new Error('Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.');
      return Buffer.concat([Buffer.from('v10'), Buffer.from(plain, 'utf8').map((b) => b ^ state.keychain)]);
    },
    decryptString: (enc) => {
      if (enc.subarray(0, 3).toString() !== 'v10')
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      const plain = Buffer.from(enc.subarray(3).map((b) => b ^ state.keychain)).toString('utf8');
      if (!/^[\x20-\x7e]*$/.test(plain)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return plain;
    },
  };
  return { safe, state };
}

/** electron-store's get/set on the preferences file, kept as the JSON it would write. */
function fakePrefs() {
  let file = JSON.stringify({ providerKeys: {} });
  const storage: EncryptedKeyStorage = {
    get: (key) => (JSON.parse(file) as Record<string, Record<string, string>>)[key]!,
    set: (key, value) => void (file = JSON.stringify({ ...JSON.parse(file), [key]: value })),
  };
  return { storage, file: () => file };
}

const KEY = 'sk-or-v1-0123456789abcdefghijkl';

describe('the desktop key store (safeStorage)', () => {
  it('keeps a key encrypted at rest: the preferences never hold the key or its base64', () => {
    const { safe } = fakeSafeStorage();
    const prefs = fakePrefs();
    const store = new SafeStorageKeyStore(safe, prefs.storage, 'darwin');
    store.set('p1', KEY);
    const stored = JSON.parse(prefs.file()).providerKeys.p1 as string;
    expect(stored).toBeTruthy();
    expect(prefs.file()).not.toContain(KEY);
    expect(stored).not.toBe(Buffer.from(KEY).toString('base64'));
    expect(safe.decryptString(Buffer.from(stored, 'base64'))).toBe(KEY);
    expect(store.protection()).toBe('os_keychain');
    expect(store.storage()).toBe('os_keychain');
  });

  it('reads a key back, also from a new store over the same preferences (a restart)', () => {
    const { safe } = fakeSafeStorage();
    const prefs = fakePrefs();
    new SafeStorageKeyStore(safe, prefs.storage, 'win32').set('p1', KEY);
    const restarted = new SafeStorageKeyStore(safe, prefs.storage, 'win32');
    expect(restarted.get('p1')).toBe(KEY);
    expect(restarted.get('p2')).toBeNull();
  });

  it('deletes a key with null or an empty string, leaving the others', () => {
    const { safe } = fakeSafeStorage();
    const prefs = fakePrefs();
    const store = new SafeStorageKeyStore(safe, prefs.storage, 'linux');
    store.set('p1', KEY);
    store.set('p2', 'sk-second-key-0000000000');
    store.set('p1', null);
    expect(store.get('p1')).toBeNull();
    expect(Object.keys(JSON.parse(prefs.file()).providerKeys)).toEqual(['p2']);
    store.set('p2', '');
    expect(store.get('p2')).toBeNull();
    expect(JSON.parse(prefs.file()).providerKeys).toEqual({});
  });

  it('asks for the key again (null) when it was encrypted under another keychain or OS user', () => {
    const prefs = fakePrefs();
    new SafeStorageKeyStore(fakeSafeStorage({ keychain: 0x5a }).safe, prefs.storage, 'darwin').set('p1', KEY);
    expect(new SafeStorageKeyStore(fakeSafeStorage({ keychain: 0xa5 }).safe, prefs.storage, 'darwin').get('p1')).toBeNull();
  });

  it('without encryption (isEncryptionAvailable false) never writes the key: memory for this run only, said once in the log', () => {
    const { safe } = fakeSafeStorage({ available: false });
    const prefs = fakePrefs();
    const log: string[] = [];
    const store = new SafeStorageKeyStore(safe, prefs.storage, 'linux', (m) => log.push(m));
    expect(store.protection()).toBe('unavailable');
    expect(store.storage()).toBe('unavailable'); // what the providers page tells the person
    store.set('p1', KEY);
    store.set('p2', 'sk-second-key-0000000000');
    expect(store.get('p1')).toBe(KEY);
    expect(JSON.parse(prefs.file()).providerKeys).toEqual({});
    expect(prefs.file()).not.toContain(KEY);
    expect(log).toEqual(['provider keys are kept in memory for this run only: the OS offers no encryption (safeStorage unavailable)']);
    expect(log.join('')).not.toContain(KEY);
    expect(new SafeStorageKeyStore(safe, prefs.storage, 'linux').get('p1')).toBeNull(); // gone after a restart
    store.set('p1', null);
    expect(store.get('p1')).toBeNull();
  });

  it("treats Linux's basic_text backend (a password built into Chromium) as no encryption: memory only", () => {
    const { safe, state } = fakeSafeStorage({ backend: 'basic_text' });
    const prefs = fakePrefs();
    const log: string[] = [];
    const store = new SafeStorageKeyStore(safe, prefs.storage, 'linux', (m) => log.push(m));
    expect(store.protection()).toBe('basic_text');
    expect(store.storage()).toBe('basic_text');
    store.set('p1', KEY);
    expect(store.get('p1')).toBe(KEY);
    expect(JSON.parse(prefs.file()).providerKeys).toEqual({});
    expect(log[0]).toMatch(/memory for this run only: the OS key store is basic_text/);
    // With a keyring back (the next start), keys are encrypted and kept again.
    state.backend = 'gnome_libsecret';
    store.set('p1', KEY);
    expect(JSON.parse(prefs.file()).providerKeys.p1).toBeTruthy();
    expect(new SafeStorageKeyStore(safe, prefs.storage, 'linux').get('p1')).toBe(KEY);
  });

  it('asks for the backend on Linux only (Electron answers it there only)', () => {
    const { safe } = fakeSafeStorage({ backend: 'basic_text' });
    expect(new SafeStorageKeyStore(safe, fakePrefs().storage, 'darwin').protection()).toBe('os_keychain');
  });
});
