// Production roles (roles.list `risk: "production"`, protocol 5): marked in the popup, red
// containers by default (the host's colour), and a confirming second Enter or click before they
// open, unless the user turned confirmation off in the options. Pure.

export function isProduction(role) {
  return role?.risk === 'production';
}

export function confirmText(role) {
  return `Open production: ${role.label ?? role.id}?`;
}

// What an Enter or a click on `role` does now: 'open', or 'ask' (show the question; the same
// Enter or click again opens). `confirming`: the role id whose question is up, or null. The
// question is per role: a click on another role asks anew.
export function clickStep(role, confirming, { confirmProduction = true } = {}) {
  if (!isProduction(role) || !confirmProduction) return 'open';
  return confirming === role.id ? 'open' : 'ask';
}
