/**
 * Which app a file comes from, decided in one place by its shape, and the converter for each: ChatGPT, Claude,
 * Open WebUI, LibreChat, Chatbox, LobeChat and Holdfast's own archive. Every converter checks what it reads with zod,
 * so a bad item names where it is wrong.
 */
import { fromChatbox, isChatbox } from './chatbox';
import { fromChatGpt } from './chatgpt';
import { fromClaude } from './claude';
import { fromHoldfast } from './holdfast';
import { fromLibreChat, isLibreChat } from './librechat';
import { fromLobeChat, isLobeChat } from './lobechat';
import { fromOpenWebUiChat, fromOpenWebUiRecord, isOpenWebUiChat, isOpenWebUiRecord } from './openwebui';
import { isRecord, type ImportedConversation, type ImportFormat } from './types';

export type { ImportedConversation, ImportedMessage, ImportFormat } from './types';
export { normalize, newStats, note, type ImportStats } from './normalize';

export type Converter = (raw: unknown) => ImportedConversation[];
export interface Detected {
  format: ImportFormat;
  convert: Converter;
}

/** An element of a top-level JSON array (ChatGPT's or Claude's conversations.json, Open WebUI's export, an archive's list). */
export function detectItem(item: unknown): Detected | null {
  if (!isRecord(item)) return null;
  if ('mapping' in item) return { format: 'chatgpt', convert: fromChatGpt };
  if ('chat_messages' in item) return { format: 'claude', convert: fromClaude };
  if ('conversation' in item && 'messages' in item) return { format: 'holdfast', convert: fromHoldfast };
  if (isOpenWebUiRecord(item)) return { format: 'openwebui', convert: fromOpenWebUiRecord };
  return null;
}

/** A file that is one JSON object (not a Holdfast archive, which is streamed). */
export function detectObject(obj: unknown): Detected | null {
  if (!isRecord(obj)) return null;
  if (isChatbox(obj)) return { format: 'chatbox', convert: fromChatbox };
  if (isLobeChat(obj)) return { format: 'lobechat', convert: fromLobeChat };
  if (isLibreChat(obj)) return { format: 'librechat', convert: fromLibreChat };
  if (isOpenWebUiChat(obj)) return { format: 'openwebui', convert: fromOpenWebUiChat };
  return detectItem(obj); // one conversation of a format whose exports are arrays (ChatGPT's per-conversation files)
}

export const KNOWN_FORMATS =
  "ChatGPT's or Claude's conversations.json (or a .zip), Open WebUI's export, a LibreChat conversation, a Chatbox backup, a LobeChat export, or a Holdfast archive";
