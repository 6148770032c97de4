import { ext } from './lib/browser.js';
import { HOST_NAME, NativeClient } from './lib/native-client.js';
import { moveFrecency } from './lib/prefs.js';
import { createService } from './lib/service.js';

const client = new NativeClient({
  connect: () => ext.runtime.connectNative(HOST_NAME),
  lastError: () => ext.runtime.lastError,
});
const service = createService({ api: ext, client });
const { lifecycle } = service;
service.warm();

// Registered at top level so the event page / service worker wakes for them. sendResponse
// plus `return true` works in both browsers (Chromium ignores a returned promise).
ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  service.handle(msg, sender).then(sendResponse);
  return true;
});

// Live consoles (host protocol 3; lifecycle.js does nothing for older hosts): the alarm set
// for the next thing due, a notification's click, tabs opened or closed (the badge), and a
// look at every console when the browser starts.
const quietly = (p) => p.catch((e) => console.warn('rolecall:', e?.kind ?? '', e?.message ?? e));
ext.alarms.onAlarm.addListener((alarm) => quietly(lifecycle.alarm(alarm)));
ext.notifications.onClicked.addListener((id) => quietly(lifecycle.notificationClicked(id)));
// (A tab opened or closed also changes which roles' containers are open: the popup's marks.)
ext.tabs.onCreated.addListener(() => (lifecycle.tabsChanged(), service.openChanged()));
ext.tabs.onRemoved.addListener(() => (lifecycle.tabsChanged(), service.openChanged()));
ext.runtime.onStartup.addListener(() => quietly(lifecycle.refresh()));
ext.runtime.onInstalled.addListener(() => quietly(lifecycle.refresh()));
// An install or update: frecency an earlier version kept in storage.sync moves to storage.local.
ext.runtime.onInstalled.addListener(() => quietly(moveFrecency(ext.storage, Date.now())));
