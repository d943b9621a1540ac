/** Why an answer stopped, in words: the renderer's note and the exports say the same thing. */

/** Stop reasons that need no note: the model finished (or hit a stop sequence it was given). */
const SILENT = new Set(['end_turn', 'stop_sequence']);

const NOTES: Record<string, string> = {
  max_tokens: 'Cut off at the length limit (max_tokens).',
  refusal: 'The model declined to answer this request (refusal).',
  pause_turn: 'The model paused this turn before finishing (pause_turn).',
  model_context_window_exceeded: "Stopped: the conversation filled the model's context window (model_context_window_exceeded).",
  tool_use: 'Stopped to call a tool, which Holdfast does not run (tool_use).',
  content_filter: "Blocked by the provider's content filter (content_filter).",
};

/** The note shown under a completed answer, or null when it ended normally. Unknown reasons are named, never hidden. */
export function stopReasonNote(reason: string | null | undefined): string | null {
  if (!reason || SILENT.has(reason)) return null;
  return NOTES[reason] ?? `Stopped for a reason Holdfast does not know: "${reason}".`;
}

export const REDACTED_THINKING_NOTE = 'Some reasoning was redacted by the provider.';

/** "Thought for 12 s" (or minutes for long thinking); "Thought" when the duration is unknown. */
export function thoughtFor(ms: number | null | undefined): string {
  if (ms == null) return 'Thought';
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 60 ? `Thought for ${s} s` : `Thought for ${Math.floor(s / 60)} min ${s % 60} s`;
}
