/**
 * The last guard between an answer and the window: an allowlist of the elements and attributes the Markdown
 * renderer, KaTeX and highlight.js produce, nothing else. Raw HTML in answers is already shown as text (see
 * render.ts); whatever slipped past that still cannot run, load, take input or reach outside the message's box:
 * no <style>, no style= (except KaTeX's own sizes inside a formula), no forms, frames, objects, SVG or foreignObject.
 */

const TAGS = new Set(
  (
    'p br hr h1 h2 h3 h4 h5 h6 blockquote ul ol li table thead tbody tr th td pre code em strong del s a img span div ' +
    'button sup sub details summary ' +
    // KaTeX's MathML, for screen readers and copying
    'math semantics annotation mrow mi mo mn ms mtext mspace msup msub msubsup mfrac msqrt mroot mstyle mpadded ' +
    'mphantom munder mover munderover mtable mtr mtd menclose mglyph'
  ).split(' '),
);

/** KaTeX draws radicals, arrows and braces as inline SVG: these are allowed inside a formula only. */
const KATEX_SVG_TAGS = new Set(['svg', 'path', 'line']);
const KATEX_SVG_ATTRIBUTES = new Set(['viewbox', 'preserveaspectratio', 'd', 'x1', 'x2', 'y1', 'y2', 'stroke-width']);

const ATTRIBUTES = new Set(
  (
    'class href title alt src align start type aria-hidden aria-label data-testid colspan rowspan ' +
    'encoding xmlns display mathvariant stretchy fence separator lspace rspace width height depth columnalign ' +
    'rowspacing columnspacing rowalign accent accentunder scriptlevel displaystyle notation minsize maxsize ' +
    'movablelimits linethickness voffset symmetric largeop form'
  ).split(' '),
);

// KaTeX positions glyphs with inline sizes; only these properties, with plain lengths or colours, are kept.
const KATEX_STYLE_PROPERTY =
  /^(?:height|vertical-align|top|bottom|width|min-width|max-width|margin-(?:left|right|top|bottom)|padding-(?:left|right)|border-(?:top|bottom|left|right)-width|border-(?:top|bottom)-style|color|background-color|border-color)$/;
const KATEX_STYLE_VALUE = /^(?:-?\d*\.?\d+(?:em|ex|px|pt|%)?|#[0-9a-f]{3,8}|[a-z]+|rgba?\([\d.,\s%]+\)|calc\([-\d.em\s+*/]+\))$/i;

function katexStyle(value: string): boolean {
  return value
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean)
    .every((d) => {
      const i = d.indexOf(':');
      return i > 0 && KATEX_STYLE_PROPERTY.test(d.slice(0, i).trim().toLowerCase()) && KATEX_STYLE_VALUE.test(d.slice(i + 1).trim());
    });
}

function allowedAttribute(el: Element, name: string, value: string): boolean {
  if (name === 'style') return el.closest('.katex') !== null && katexStyle(value);
  if (KATEX_SVG_TAGS.has(el.localName)) return KATEX_SVG_ATTRIBUTES.has(name) || name === 'width' || name === 'height' || name === 'xmlns';
  if (!ATTRIBUTES.has(name)) return false;
  if (name === 'href') return /^(?:https?:|mailto:|#)/i.test(value.trim());
  if (name === 'src') return /^data:image\/(?:png|jpeg|gif|webp);/i.test(value.trim());
  if (name === 'type') return el.localName === 'button' && value === 'button';
  return true;
}

function clean(parent: ParentNode): void {
  for (const node of [...parent.childNodes]) {
    if (node.nodeType === 3) continue; // text
    if (node.nodeType !== 1) {
      node.remove(); // comments, processing instructions
      continue;
    }
    const el = node as Element;
    const tag = el.localName;
    const allowed = TAGS.has(tag) || (KATEX_SVG_TAGS.has(tag) && el.parentElement?.closest('.katex') != null);
    if (!allowed || (tag === 'button' && el.className !== 'copy-code')) {
      el.remove();
      continue;
    }
    // An answer never loads anything remote (a tracking pixel would tell a server the answer was read): a remote
    // image is shown as its description, as in the HTML export.
    if (tag === 'img' && !/^data:image\/(?:png|jpeg|gif|webp);/i.test(el.getAttribute('src')?.trim() ?? '')) {
      el.replaceWith(el.ownerDocument.createTextNode(`[image: ${el.getAttribute('alt') || el.getAttribute('src') || ''}]`));
      continue;
    }
    for (const { name, value } of [...el.attributes]) if (!allowedAttribute(el, name.toLowerCase(), value)) el.removeAttribute(name);
    clean(el);
  }
}

let template: HTMLTemplateElement | null = null;

export function sanitize(html: string): string {
  template ??= document.createElement('template');
  template.innerHTML = html;
  clean(template.content);
  const out = template.innerHTML;
  template.innerHTML = '';
  return out;
}
