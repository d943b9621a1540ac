/** Which continuation strategy each model accepts, remembered across restarts. */
import { STRATEGY_ORDER, type Strategy } from '../engine/continuation';
import type { Store } from './store';

export class StrategyMemory {
  private readonly get;
  private readonly put;

  constructor(private readonly store: Store) {
    this.get = store.db.prepare<[string], { strategy: string }>('SELECT strategy FROM model_strategies WHERE model = ?');
    this.put = store.db.prepare(
      'INSERT INTO model_strategies (model, strategy, at) VALUES (?, ?, ?) ON CONFLICT(model) DO UPDATE SET strategy = excluded.strategy, at = excluded.at',
    );
  }

  strategyFor(model: string): Strategy {
    const row = this.get.get(model);
    return row && (STRATEGY_ORDER as readonly string[]).includes(row.strategy) ? (row.strategy as Strategy) : 'prefill';
  }

  remember(model: string, strategy: Strategy): void {
    this.put.run(model, strategy, this.store.now());
  }
}
