/** Which continuation strategy each endpoint and model honours, remembered across restarts. */
import { STRATEGY_ORDER, type Strategy } from '../engine/continuation';
import type { Store } from './store';

export class StrategyMemory {
  private readonly get;
  private readonly put;

  constructor(private readonly store: Store) {
    // Rows with an empty endpoint were learned before endpoints were told apart: they stand in until the endpoint
    // learns its own.
    this.get = store.db.prepare<[string, string], { strategy: string }>(
      "SELECT strategy FROM continuation_strategies WHERE model = ? AND endpoint IN (?, '') ORDER BY endpoint = '' LIMIT 1",
    );
    this.put = store.db.prepare(
      `INSERT INTO continuation_strategies (endpoint, model, strategy, at) VALUES (?, ?, ?, ?)
       ON CONFLICT(endpoint, model) DO UPDATE SET strategy = excluded.strategy, at = excluded.at`,
    );
  }

  strategyFor(endpoint: string, model: string): Strategy {
    const row = this.get.get(model, endpoint);
    return row && (STRATEGY_ORDER as readonly string[]).includes(row.strategy) ? (row.strategy as Strategy) : 'prefill';
  }

  remember(endpoint: string, model: string, strategy: Strategy): void {
    this.put.run(endpoint, model, strategy, this.store.now());
  }
}
