/** An automatic conversation title after the first answer: a short request to the model, or the prompt's first words. */
import type { Provider } from '../providers/provider';

export const TITLE_PROMPT = 'Title this conversation in at most six words. Reply with the title only, no quotes.';

/** The first words of a prompt: the title when the model cannot be asked (offline, errors). */
export function fallbackTitle(prompt: string): string {
  const words = prompt
    .replace(/\[[a-z]+=\d+\]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .split(' ')
    .slice(0, 6)
    .join(' ');
  return cleanTitle(words) || 'New conversation';
}

export function cleanTitle(raw: string): string {
  const line =
    raw
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? '';
  const t = line.replace(/^(title:\s*)/i, '').replace(/^[#*"'“”‘’`\s]+|[#*"'“”‘’`\s.]+$/g, '');
  return t.length > 60 ? `${t.slice(0, 57).trimEnd()}…` : t;
}

export async function askTitle(provider: Provider, model: string, prompt: string, answer: string, timeoutMs = 15_000): Promise<string> {
  let text = '';
  const signal = AbortSignal.timeout(timeoutMs);
  const content = `${TITLE_PROMPT}\n\n<user>${prompt.slice(0, 2000)}</user>\n<assistant>${answer.slice(0, 1000)}</assistant>`;
  for await (const ev of provider.stream({ model, max_tokens: 30, messages: [{ role: 'user', content }] }, { signal })) {
    if (ev.type === 'text') text += ev.text;
    if (text.length > 200) break;
  }
  return cleanTitle(text);
}
