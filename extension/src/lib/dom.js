// Tiny DOM builder: every piece of data goes in as text nodes, never as markup.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Next steps mention commands in `backticks`: show those as <code>.
export function richText(text) {
  return String(text ?? '')
    .split('`')
    .map((part, i) => (i % 2 ? el('code', {}, part) : part))
    .filter((part) => part !== '');
}

// The host's sentence and the next step, as one block.
export function errorBlock(error, extraClass = '') {
  return el(
    'div',
    { class: `error ${extraClass}`.trim(), role: 'alert', dataset: { kind: error.kind } },
    el('p', { class: 'message' }, error.message),
    error.next ? el('p', { class: 'next' }, richText(error.next)) : null,
  );
}
