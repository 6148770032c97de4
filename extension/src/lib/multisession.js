// The AWS console's multi-session mode (January 2025): up to five identities in one browser
// profile, after a one-time opt-in per profile. rolecall only links to the opt-in; it never
// opts in for the user.

export const MAX_SESSIONS = 5;
export const DEFAULT_CONSOLE = 'https://console.aws.amazon.com/console/home';

export function optInUrl(consoleUrl = DEFAULT_CONSOLE) {
  return `https://us-east-1.signin.aws.amazon.com/sessions/v1/opt-in?redirect_uri=${encodeURIComponent(consoleUrl)}`;
}

// The line a popup row shows for how it opens, per mode (see service.js openMode).
export const MODE_LABELS = {
  isolated_window: { badge: 'window', title: 'Opens in a browser window of this role\'s own (its own cookies)' },
  multi_session: { badge: 'tab', title: 'Opens in a tab of this profile (AWS multi-session, up to 5 sessions)' },
  window: { badge: 'window', title: 'Opens in a new window of this profile (update the rolecall host for isolated windows)' },
};

export function modeNotice(mode) {
  switch (mode) {
    case 'isolated_window':
      return 'Each role opens in a browser window of its own, with its own cookies, so consoles of different accounts stay signed in side by side.';
    case 'multi_session':
      return `Roles open in tabs of this profile using AWS multi-session: turn it on once in the options; AWS allows ${MAX_SESSIONS} sessions per browser profile.`;
    case 'window':
      return 'This rolecall host is too old for isolated windows: each console opens in a new window of this profile, one AWS account at a time. Update the host.';
    default:
      return '';
  }
}
