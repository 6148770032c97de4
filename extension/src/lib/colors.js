// Firefox container colours and icons. The first eight colours are accepted by every Firefox
// version; Firefox 153 adds `cyan`, `gray` and `violet` (renaming turquoise and toolbar), so
// those have an older equivalent to fall back on when an older Firefox refuses them.
export const BASE_COLORS = ['blue', 'turquoise', 'green', 'yellow', 'orange', 'red', 'pink', 'purple'];
export const LEGACY_COLOR = { cyan: 'turquoise', gray: 'toolbar', violet: 'purple' };
export const COLORS = [...BASE_COLORS, 'toolbar', ...Object.keys(LEGACY_COLOR)];
export const ICONS = [
  'fingerprint', 'briefcase', 'dollar', 'cart', 'circle', 'gift', 'vacation', 'food', 'fruit',
  'pet', 'tree', 'chill', 'fence',
];
export const DEFAULT_ICON = 'briefcase';

// FNV-1a (32 bit) over the account id onto the eight base colours, never red (production's
// alone: an account hashed onto red gets one of the seven others from the hash's higher
// bits): the same function as the host's `default_color`, so a role shows the same colour
// whichever side picked it.
const NOT_RED = BASE_COLORS.filter((c) => c !== 'red');
export function accountColor(accountId) {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(String(accountId ?? ''))) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const c = BASE_COLORS[h % BASE_COLORS.length];
  return c === 'red' ? NOT_RED[Math.floor(h / BASE_COLORS.length) % NOT_RED.length] : c;
}

export function isColor(name) {
  return COLORS.includes(name);
}

export function isIcon(name) {
  return ICONS.includes(name);
}

// The colour and icon to give a role's container: the host's choice when Firefox knows the
// names, else the account's stable colour and the briefcase.
export function containerStyle(style, accountId) {
  return {
    color: isColor(style?.color) ? style.color : accountColor(accountId),
    icon: isIcon(style?.icon) ? style.icon : DEFAULT_ICON,
  };
}

// The name an older Firefox accepts for a colour (identity for the base colours).
export function legacyColor(color) {
  return LEGACY_COLOR[color] ?? color;
}
