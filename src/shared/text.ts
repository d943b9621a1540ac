/** Small text helpers used on both sides of the contract. */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** The first `max` UTF-16 units of `s`, one fewer when the cut would split a character in two (half a pair is not text). */
export function cutText(s: string, max: number): string {
  if (s.length <= max) return s;
  const last = s.charCodeAt(max - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** A file name cut to at most `max` UTF-16 units, keeping its extension (up to 16 characters) and whole characters. */
export function cutFileName(name: string, max: number): string {
  if (name.length <= max) return name;
  const ext = /\.[^.]{1,16}$/u.exec(name)?.[0] ?? '';
  return cutText(name.slice(0, name.length - ext.length), max - ext.length) + ext;
}
