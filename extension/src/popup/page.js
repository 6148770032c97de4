// The popup page's fixed elements (popup.html), its `renew` parameter, the message line, and
// `act`: what the view's controls do. `act` holds actions.js's functions (and popup.js's
// `load`), handed over by popup.js at start, so the view (rows.js, list.js) imports nothing
// above it.
export const $ = (id) => document.getElementById(id);
export const search$ = $('search');
export const list = $('roles');
export const status = $('status');
export const problem = $('problem');
export const message = $('message');
// Opened by a notification's click (popup.html?renew=<role>): renew that role, then close.
export const renewParam = new URLSearchParams(location.search).get('renew');

// { activate, runRole, cancelConfirm, dismissPrompt, signOut, askSignOutAll, cancelSignOutAll, signOutAll, load }
export const act = {};

export function say(text) {
  message.textContent = text;
  message.hidden = text === '';
}
