// The endpoint overrides in the host's environment (host.info `endpoint_overrides`, see
// docs/PROTOCOL.md): where the host sends its AWS calls instead of AWS, shown plainly on the
// options page so that a LocalStack or test setting left in a profile is seen. Each entry is
// `{variable, url}` (in force) or `{variable, refused}` (the host refuses it and says why;
// the value is never sent). Anything else is dropped: a host's answer is data, not markup.

const NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

export function overrideLines(hostInfo) {
  const list = Array.isArray(hostInfo?.endpoint_overrides) ? hostInfo.endpoint_overrides : [];
  const out = [];
  for (const o of list) {
    if (typeof o?.variable !== 'string' || !NAME.test(o.variable)) continue;
    if (typeof o.url === 'string') out.push({ variable: o.variable, text: o.url, refused: false });
    else if (typeof o.refused === 'string') out.push({ variable: o.variable, text: `refused: ${o.refused}`, refused: true });
  }
  return out;
}
