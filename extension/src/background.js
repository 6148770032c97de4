import { ext } from './lib/browser.js';
import { HOST_NAME, NativeClient } from './lib/native-client.js';
import { createService } from './lib/service.js';

const client = new NativeClient({
  connect: () => ext.runtime.connectNative(HOST_NAME),
  lastError: () => ext.runtime.lastError,
});
const service = createService({ api: ext, client });

// Registered at top level so the event page / service worker wakes for it. sendResponse plus
// `return true` works in both browsers (Chromium ignores a returned promise).
ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  service.handle(msg, sender).then(sendResponse);
  return true;
});
