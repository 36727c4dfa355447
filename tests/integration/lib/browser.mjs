// Real Chromium (Debian's chromium package) driven by playwright-core, for the browser tests.
// Never downloads a browser: executablePath is the system one. Each launch gets a fresh user-data dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './httpd.mjs';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Why Chromium cannot run here, or null. */
export function chromiumMissing() {
  if (!fs.existsSync(CHROMIUM_BIN)) return `${CHROMIUM_BIN} not found (apt-get install -y chromium)`;
  try {
    // resolved lazily so that a missing devDependency gives a clear message
    fs.accessSync(path.join(repoRoot, 'node_modules', 'playwright-core', 'package.json'));
  } catch {
    return 'playwright-core is not installed (npm ci at the repository root)';
  }
  return null;
}

/**
 * Launches Chromium with a fresh profile. → { context, page, userDataDir, close() }
 * close() is safe to call twice and removes the profile.
 */
export async function launchChromium({ viewport = { width: 1000, height: 760 } } = {}) {
  const { chromium } = await import('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cognito-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_BIN,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      timeout: 60000,
    });
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] || (await context.newPage());
  let closed = false;
  return {
    context, page, userDataDir,
    async close() {
      if (closed) return;
      closed = true;
      try { await context.close(); } catch { /* already gone */ }
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** <repo>/artifacts/browser/<name> (directories created). */
export function artifactPath(name) {
  const dir = path.join(repoRoot, 'artifacts', 'browser');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
