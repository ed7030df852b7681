/* eslint-disable no-console */
/**
 * Takes the README's screenshots of a running demo with Debian's Chromium:
 *
 *   ./scripts/start.sh                 # in another shell; wait for a fault
 *   node docs/images/capture.mjs [APP_URL] [ENTITY]
 *
 * APP_URL defaults to http://localhost:3000 and ENTITY to
 * component/default/catalog-api (the demo's second fault breaks it with a
 * release that a rollback fixes, so its Approvals tab has a plan).
 * Writes docs/images/root-cause.png and approvals.png (about five minutes
 * after the demo starts). Never downloads a browser: set CHROMIUM to
 * another binary if needed.
 */
import { chromium } from 'playwright-core';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const app = (process.argv[2] ?? 'http://localhost:3000').replace(/\/+$/, '');
const [kind, namespace, name] = (
  process.argv[3] ?? 'component/default/catalog-api'
).split('/');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
  ],
});
try {
  const page = await browser.newPage({
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  await page.goto(app);
  // The guest sign-in of the demo.
  await page.getByRole('button', { name: /enter/i }).click();
  await page.waitForLoadState('networkidle');
  for (const [tab, file] of [
    ['root-cause', 'root-cause.png'],
    ['approvals', 'approvals.png'],
  ]) {
    await page.goto(
      `${app}/catalog/${namespace}/${kind}/${name}/ai-sre/${tab}`,
    );
    await page.waitForLoadState('networkidle');
    // Let progress bars settle.
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(here, file) });
    console.log(`wrote docs/images/${file}`);
  }
} finally {
  await browser.close();
}
