// An ESLint rule that allowlists what each process layer may import: its own folders, named packages, Node built-ins.
// Hand-written rather than eslint-plugin-boundaries because it must see every form an import takes in TypeScript
// (static, `export … from`, dynamic `import()`, `import('x').T` types, `require`) without a resolver set up, and tell
// a bare built-in (`fs`) from a package; the table it reads, in eslint.config.js, is the whole policy.
import { builtinModules } from 'node:module';
import path from 'node:path';

const builtins = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function inside(file, folder) {
  return file === folder || file.startsWith(`${folder}/`);
}

function isBuiltin(specifier) {
  return specifier.startsWith('node:') || builtins.has(packageName(specifier));
}

/** Where a specifier points, as a description for the message and a verdict against the layer's allowlist. */
export function judge(layer, fromFile, specifier, root) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const target = path
      .relative(root, path.resolve(path.dirname(fromFile), specifier))
      .split(path.sep)
      .join('/');
    return layer.imports.some((folder) => inside(target, folder))
      ? null
      : `'${specifier}' (${target}) is outside ${layer.imports.join(', ')}`;
  }
  if (isBuiltin(specifier)) return layer.builtins ? null : `'${specifier}' is a Node built-in`;
  const name = packageName(specifier);
  return layer.packages.includes(name) ? null : `package '${name}' is not on its list`;
}

/** @type {import('eslint').Rule.RuleModule} */
export const layerImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Each layer imports only what its allowlist names' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          scope: { type: 'string' },
          layers: { type: 'array' },
        },
        required: ['root', 'scope', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      forbidden: '{{layer}} may not import this: {{why}}. {{rule}}',
      computed: '{{layer}} may not import a computed specifier: the layer rules cannot check it.',
      unknown: '{{file}} is in no layer: add its folder to the layer table in eslint.config.js.',
    },
  },
  create(context) {
    const { root, scope, layers } = context.options[0];
    const file = context.filename;
    const relative = path.relative(root, file).split(path.sep).join('/');
    if (!inside(relative, scope)) return {};
    const layer = layers.find((l) => inside(relative, l.folder));
    if (!layer) return { Program: (node) => context.report({ node, messageId: 'unknown', data: { file: relative } }) };

    const check = (node, specifier) => {
      const why = judge(layer, file, specifier, root);
      if (why) context.report({ node, messageId: 'forbidden', data: { layer: layer.name, why, rule: layer.rule } });
    };
    const checkSource = (node) => {
      if (!node) return;
      if (node.type === 'Literal' && typeof node.value === 'string') check(node, node.value);
      else if (node.type === 'TemplateLiteral' && node.expressions.length === 0) check(node, node.quasis[0].value.cooked);
      else context.report({ node, messageId: 'computed', data: { layer: layer.name } });
    };
    return {
      ImportDeclaration: (node) => checkSource(node.source),
      ExportNamedDeclaration: (node) => checkSource(node.source),
      ExportAllDeclaration: (node) => checkSource(node.source),
      ImportExpression: (node) => checkSource(node.source),
      // `import('./sync').HoldfastEvent` in a type position
      TSImportType: (node) => {
        const source = node.source ?? node.argument; // `argument` before typescript-eslint 8.x renamed it
        const arg = source?.type === 'TSLiteralType' ? source.literal : source;
        checkSource(arg);
      },
      TSExternalModuleReference: (node) => checkSource(node.expression),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments.length === 1)
          checkSource(node.arguments[0]);
      },
    };
  },
};

export default { rules: { 'layer-imports': layerImports } };
