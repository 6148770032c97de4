import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SESSIONS, MODE_LABELS, modeNotice, optInUrl } from '../src/lib/multisession.js';

test('the opt-in link is AWS\'s, with the console as an encoded redirect', () => {
  assert.equal(
    optInUrl(),
    'https://us-east-1.signin.aws.amazon.com/sessions/v1/opt-in?redirect_uri=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome',
  );
  const u = new URL(optInUrl('https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1'));
  assert.equal(u.origin, 'https://us-east-1.signin.aws.amazon.com');
  assert.equal(u.searchParams.get('redirect_uri'), 'https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1');
});

test('the multi-session notice says five sessions; every Chromium mode has a row label', () => {
  assert.equal(MAX_SESSIONS, 5);
  assert.match(modeNotice('multi_session'), /5 sessions per browser profile/);
  assert.match(modeNotice('isolated_window'), /window of its own/);
  assert.equal(modeNotice('container'), '');
  for (const mode of ['isolated_window', 'multi_session', 'window']) assert.ok(MODE_LABELS[mode].badge && MODE_LABELS[mode].title, mode);
  assert.equal(MODE_LABELS.container, undefined, 'Firefox rows need no mode label');
});
