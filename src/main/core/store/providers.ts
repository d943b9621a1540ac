/** The configured providers (the `providers` table; their keys live in a key store, never here) and app-wide choices (`app_settings`). */
import type { ProviderKind } from '../../../shared/providers';
import type { Db } from './database';

/** A configured provider as stored: `models` is a JSON array of model names. */
export interface ProviderRow {
  id: string;
  kind: ProviderKind;
  name: string;
  base_url: string | null;
  preset: string | null;
  models: string;
  created_at: number;
}

export class ProviderRows {
  constructor(private readonly db: Db) {}

  /** Every configured provider, oldest first. */
  all(): ProviderRow[] {
    return this.db.prepare<[], ProviderRow>('SELECT * FROM providers ORDER BY created_at, id').all();
  }
  find(id: string): ProviderRow | undefined {
    return this.db.prepare<[string], ProviderRow>('SELECT * FROM providers WHERE id = ?').get(id);
  }
  insert(row: ProviderRow): void {
    this.db
      .prepare(
        'INSERT INTO providers (id, kind, name, base_url, preset, models, created_at) VALUES (@id, @kind, @name, @base_url, @preset, @models, @created_at)',
      )
      .run(row);
  }
  /** Writes what may change: the name, the endpoint, the model list. */
  update(row: ProviderRow): void {
    this.db.prepare('UPDATE providers SET name = @name, base_url = @base_url, models = @models WHERE id = @id').run(row);
  }
  setModels(id: string, models: string[]): void {
    this.db.prepare('UPDATE providers SET models = ? WHERE id = ?').run(JSON.stringify(models), id);
  }
  delete(id: string): void {
    this.db.prepare('DELETE FROM providers WHERE id = ?').run(id);
  }

  /** An app-wide setting's stored JSON, or undefined when unset. */
  setting(key: string): string | undefined {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM app_settings WHERE key = ?').get(key)?.value;
  }
  /** Stores a setting as JSON; null or undefined removes it. */
  setSetting(key: string, value: unknown): void {
    if (value === null || value === undefined) this.db.prepare('DELETE FROM app_settings WHERE key = ?').run(key);
    else
      this.db
        .prepare('INSERT INTO app_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
        .run(key, JSON.stringify(value));
  }
}
