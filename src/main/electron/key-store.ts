/**
 * Configured providers' keys on the desktop: encrypted by the OS key store (Electron's safeStorage) at rest, never in
 * plain text; where the OS offers no real encryption, kept in memory for this run only. Electron's objects come in as
 * parameters (typed from Electron's own declarations), so the store is tested without the Electron binary.
 */
import type { SafeStorage } from 'electron';
import type { KeyStore } from '../core/platform';

/** The part of `safeStorage` the store uses; Electron's `safeStorage` is one. */
export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>;

/** Where the encrypted keys are kept (base64, by provider id): electron-store's preferences on the desktop. */
export interface EncryptedKeyStorage {
  get(key: 'providerKeys'): Record<string, string>;
  set(key: 'providerKeys', value: Record<string, string>): void;
}

/**
 * `os_keychain`: keys encrypted by the OS (Keychain, DPAPI, libsecret/KWallet) and kept across restarts.
 * `basic_text`: Linux without a keyring, where safeStorage "encrypts" with a password built into Chromium: that is
 * plain text to anyone who reads the file, so keys stay in memory. `unavailable`: no encryption at all; memory too.
 */
export type KeyProtection = 'os_keychain' | 'basic_text' | 'unavailable';

export class SafeStorageKeyStore implements KeyStore {
  private readonly session = new Map<string, string>();
  private warned = false;

  constructor(
    private readonly safe: SafeStorageLike,
    private readonly prefs: EncryptedKeyStorage,
    private readonly platform: NodeJS.Platform = process.platform,
    private readonly log: (message: string) => void = () => {},
  ) {}

  protection(): KeyProtection {
    if (!this.safe.isEncryptionAvailable()) return 'unavailable';
    // Electron answers getSelectedStorageBackend on Linux only.
    if (this.platform === 'linux' && this.safe.getSelectedStorageBackend() === 'basic_text') return 'basic_text';
    return 'os_keychain';
  }

  storage(): KeyProtection {
    return this.protection();
  }

  get(id: string): string | null {
    const session = this.session.get(id);
    if (session) return session;
    const enc = this.prefs.get('providerKeys')[id];
    if (!enc || !this.safe.isEncryptionAvailable()) return null;
    try {
      return this.safe.decryptString(Buffer.from(enc, 'base64'));
    } catch {
      return null; // encrypted under another OS user or keychain: ask for it again (a 401 says so)
    }
  }

  set(id: string, key: string | null): void {
    this.session.delete(id);
    const keys = { ...this.prefs.get('providerKeys') };
    delete keys[id];
    if (key) {
      const protection = this.protection();
      if (protection === 'os_keychain') keys[id] = this.safe.encryptString(key).toString('base64');
      else {
        this.session.set(id, key);
        this.warnOnce(protection);
      }
    }
    this.prefs.set('providerKeys', keys);
  }

  private warnOnce(protection: Exclude<KeyProtection, 'os_keychain'>): void {
    if (this.warned) return;
    this.warned = true;
    this.log(
      protection === 'basic_text'
        ? 'provider keys are kept in memory for this run only: the OS key store is basic_text (no keyring), which is not encryption'
        : 'provider keys are kept in memory for this run only: the OS offers no encryption (safeStorage unavailable)',
    );
  }
}
