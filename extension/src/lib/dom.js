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

// A Copy button for `text`. Copy needs no permission (a click is a user gesture); where the
// clipboard refuses, `select` (a node) is selected so the keyboard can copy it.
export function copyButton(text, select) {
  const copy = el('button', { type: 'button', class: 'copy' }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      copy.textContent = 'Copied';
    } catch {
      getSelection()?.selectAllChildren(select);
      copy.textContent = 'Selected: copy with the keyboard';
    }
  });
  return copy;
}

// The host's full message, folded: it is for a bug report or a search, not for reading first.
function details(text) {
  const body = el('p', { class: 'details-text' }, text);
  return el('details', {}, el('summary', {}, 'Details'), body, copyButton(text, body));
}

// One block: the headline, the next step, and the details when there are any.
export function errorBlock(error, extraClass = '') {
  return el(
    'div',
    { class: `error ${extraClass}`.trim(), role: 'alert', dataset: { kind: error.kind } },
    el('p', { class: 'message' }, error.message),
    error.next ? el('p', { class: 'next' }, richText(error.next)) : null,
    error.details ? details(error.details) : null,
  );
}
