/**
 * End to end, in real headless Chromium: the sandbox's bad deploy
 * (catalog-api 2.5.0 crash-loops after its rollout) appears live on the
 * entity's Incidents tab, its root cause on the Root cause tab, and an owner
 * approves the rollback on the Approvals tab using only the keyboard; the
 * sandbox's Deployment is back on 2.4.0 afterwards. Each page passes an
 * axe-core accessibility check, and every enabled control of each page
 * reached by pressing Tab alone.
 */
import { Browser, chromium, Locator, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  chromiumAvailable,
  CHROMIUM,
  Services,
  startServices,
} from './services';

const ENTITY_PAGE = '/catalog/default/component/catalog-api';
const SHOTS = join(__dirname, '../../../.data/e2e');
/** The README's screenshots, 1280x800. */
const DOCS_IMAGES = join(__dirname, '../../../docs/images');

const run = chromiumAvailable() ? describe : describe.skip;

type AxeViolation = {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
};

/** axe-core's WCAG 2 A/AA rules on the AI SRE content of the page. */
async function axeViolations(
  page: Page,
  scope: string,
): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async selector => {
    const axe = (window as any).axe;
    const result = await axe.run(document.querySelector(selector), {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'],
      },
    });
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n: any) => ({
        target: n.target,
        failureSummary: n.failureSummary,
      })),
    }));
  }, scope);
}

/**
 * Every enabled control in `scope` gets the focus by pressing Tab alone,
 * from the top of the page (radio groups count once: arrows move inside).
 */
async function expectKeyboardReachable(page: Page, scope: string) {
  const total = await page.evaluate(selector => {
    const root = document.querySelector(selector);
    if (!root) return 0;
    const controls = [
      ...root.querySelectorAll<HTMLElement>(
        'a[href], button, input, select, textarea, [tabindex]',
      ),
    ].filter(el => {
      const input = el as HTMLInputElement;
      if (el.hasAttribute('disabled')) return false;
      if (el.getAttribute('tabindex') === '-1') return false;
      if (el.closest('[aria-hidden="true"]')) return false;
      if (input.type === 'hidden') return false;
      if (!el.getClientRects().length) return false;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') {
        return false;
      }
      // Only one radio of a group is in the Tab order.
      if (input.type === 'radio' && input.name) {
        const group = [
          ...document.querySelectorAll<HTMLInputElement>(
            `input[type=radio][name="${input.name}"]`,
          ),
        ];
        const checked = group.find(r => r.checked) ?? group[0];
        if (checked !== input) return false;
      }
      return true;
    });
    document
      .querySelectorAll('[data-kb]')
      .forEach(el => el.removeAttribute('data-kb'));
    controls.forEach((el, i) => el.setAttribute('data-kb', String(i)));
    return controls.length;
  }, scope);
  expect(total).toBeGreaterThan(0);
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const reached = new Set<string>();
  for (let i = 0; i < total * 2 + 80 && reached.size < total; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(
      () =>
        document.activeElement?.closest('[data-kb]')?.getAttribute('data-kb') ??
        null,
    );
    if (id !== null) reached.add(id);
  }
  const missing = await page.evaluate(
    ids =>
      [...document.querySelectorAll('[data-kb]')]
        .filter(el => !ids.includes(el.getAttribute('data-kb')!))
        .map(el => el.outerHTML.slice(0, 160)),
    [...reached],
  );
  expect(missing).toEqual([]);
}

async function expectAccessible(page: Page, scope: string, name: string) {
  await expectKeyboardReachable(page, scope);
  const violations = await axeViolations(page, scope);
  if (violations.length) {
    await page.screenshot({
      path: join(SHOTS, `axe-${name}.png`),
      fullPage: true,
    });
  }
  expect(
    violations.map(
      v =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes
          .slice(0, 3)
          .map(n => `${n.target.join(' ')} [${n.failureSummary ?? ''}]`)
          .join('; ')}`,
    ),
  ).toEqual([]);
}

/**
 * Saves the visible page, 1280x800, as docs/images/<name>.png, scrolled to
 * `at` when given, without the notification toasts over it.
 */
async function docsScreenshot(
  page: Page,
  name: string,
  at?: Locator,
): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 800 });
  const hide = await page.addStyleTag({
    content:
      '.notistack-SnackbarContainer, [class*="SnackbarContainer"], [class*="MuiSnackbar-root"] { visibility: hidden !important; }',
  });
  try {
    if (at) await at.evaluate(e => e.scrollIntoView({ block: 'start' }));
    // No hover tooltips: the pointer out of the way.
    await page.mouse.move(0, 799);
    // Let charts and tables settle in the new size.
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(DOCS_IMAGES, `${name}.png`) });
  } finally {
    await hide.evaluate(e => (e as Element).remove());
    if (size) await page.setViewportSize(size);
  }
}

/** Waits until the catalog has read the bookstore (a fresh database starts empty). */
async function waitForCatalog(services: Services): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const token = await services.guestToken();
    const response = await fetch(
      `${services.backendUrl}/api/catalog/entities/by-name/component/default/catalog-api`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    if (response.ok) return;
    await new Promise(r => setTimeout(r, 1000));
  }
  throw new Error(`The catalog never had catalog-api:\n${services.logs()}`);
}

async function waitForIncident(services: Services): Promise<string> {
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    const token = await services.guestToken();
    const response = await fetch(
      `${services.backendUrl}/api/ai-sre/incidents?entityRef=component:default/catalog-api`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const { items } = (await response.json()) as {
      items: Array<{ id: string; category: string | null }>;
    };
    const found = items.find(i => i.category === 'bad-deploy');
    if (found) {
      const details = await (
        await fetch(`${services.backendUrl}/api/ai-sre/incidents/${found.id}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json();
      if (details.workflow === 'awaiting-approval') return found.id;
    }
    await new Promise(r => setTimeout(r, 2000));
  }
  throw new Error(
    `No bad-deploy incident awaiting approval:\n${services.logs()}`,
  );
}

run('AI SRE in the browser', () => {
  let services: Services;
  let browser: Browser;
  let page: Page;
  const started = Date.now();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    services = await startServices();
    // eslint-disable-next-line no-console
    console.log(
      `services up after ${Math.round((Date.now() - started) / 1000)}s`,
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({
      viewport: { width: 1400, height: 1000 },
      acceptDownloads: true,
    });
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await services?.stop();
    // eslint-disable-next-line no-console
    console.log(
      `end-to-end wall time ${Math.round((Date.now() - started) / 1000)}s`,
    );
  });

  afterEach(async () => {
    const state = expect.getState();
    if (page && state.currentTestName) {
      await page
        .screenshot({
          path: join(
            SHOTS,
            `${state.currentTestName.replace(/\W+/g, '-')}.png`,
          ),
          fullPage: true,
        })
        .catch(() => {});
    }
  });

  it('shows the bad deploy live on the Incidents tab, with its timeline and evidence', async () => {
    await waitForCatalog(services);
    await page.goto(`${services.appUrl}${ENTITY_PAGE}/ai-sre/incidents`);
    // The guest sign-in, with the keyboard.
    const enter = page.getByRole('button', { name: /enter/i });
    await enter.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'catalog-api' }).first().waitFor();
    await page.getByText('No incidents').waitFor({ timeout: 60_000 });

    await services.injectBadDeploy();
    const id = await waitForIncident(services);

    // The open tab learns about the incident over Backstage signals.
    const link = page.getByRole('link', {
      name: /crash-loop .* on Deployment\/bookstore\/catalog-api/,
    });
    await link.waitFor({ timeout: 30_000 });
    const row = page.getByRole('row').filter({ has: link });
    await expect(row.getByText('bad-deploy').count()).resolves.toBe(1);
    await expect(row.getByText('high').count()).resolves.toBe(1);

    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('list', { name: 'Incident timeline' }).waitFor();
    const timeline = await page
      .getByRole('list', { name: 'Incident timeline' })
      .innerText();
    expect(timeline).toContain('First symptom observed');
    expect(timeline).toContain('crash-loop: CrashLoopBackOff');
    // The rollout, with its time (or, from a backend that does not serve
    // change records, as the fact the root cause cites).
    expect(timeline).toMatch(
      /workload-revision of Deployment\/bookstore\/catalog-api|Change cited by the root cause/,
    );
    expect(timeline).toContain('2.4.0 -> 2.5.0');
    expect(timeline).toContain('Agent step: rootCause');
    const logs = page.getByLabel(/Redacted log lines of catalog-api-/).first();
    await expect(logs.innerText()).resolves.toContain(
      "Cannot find module './search/ranker'",
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page
        .getByRole('button', { name: 'Export postmortem (Markdown)' })
        .click(),
    ]);
    expect(download.suggestedFilename()).toBe(`postmortem-${id}.md`);

    await expectAccessible(page, 'main', 'incidents');
    await docsScreenshot(page, 'incidents');
  });

  it('shows the root cause with cited evidence and the agent trace', async () => {
    await page.getByRole('link', { name: 'Root cause', exact: true }).click();
    const ranked = page.getByRole('list', { name: 'Ranked hypotheses' });
    await ranked.waitFor({ timeout: 30_000 });
    await expect(
      ranked.getByRole('heading').first().innerText(),
    ).resolves.toContain('#1 bad-deploy — Deployment/bookstore/catalog-api');
    await expect(
      ranked.getByText(/confidence \d+%/).count(),
    ).resolves.toBeGreaterThan(0);
    await expect(
      ranked.getByRole('link', { name: /crash-loop:/ }).count(),
    ).resolves.toBeGreaterThan(0);
    const trace = await page
      .getByRole('table', { name: 'Agent trace' })
      .innerText();
    for (const node of ['detect', 'rootCause', 'planFix', 'checkPolicy']) {
      expect(trace).toContain(node);
    }

    // Following cited evidence with the keyboard moves the focus to it.
    const evidence = ranked.getByRole('link', { name: /crash-loop:/ }).first();
    await evidence.focus();
    await page.keyboard.press('Enter');
    await expect(
      page.evaluate(() => document.activeElement?.id ?? ''),
    ).resolves.toMatch(/^evidence-/);

    await expectAccessible(page, 'main', 'root-cause');
    await docsScreenshot(
      page,
      'root-cause',
      page.getByRole('heading', { name: 'Root cause', exact: true }),
    );
  });

  it('lets an owner approve the rollback with the keyboard, and the cluster rolls back', async () => {
    await page.getByRole('link', { name: 'Approvals', exact: true }).click();
    await page
      .getByRole('heading', { name: /^Fix plan:/ })
      .waitFor({ timeout: 30_000 });
    const steps = await page
      .getByRole('list', { name: 'Plan steps' })
      .innerText();
    expect(steps).toContain('rollback-deployment');
    expect(steps).toContain('needs approval');
    expect(steps).toContain('Roll catalog-api forward again to revision 2.');
    const preview = await page
      .getByRole('table', { name: 'Dry-run diff of step 1' })
      .innerText();
    expect(preview).toContain('ghcr.io/example-bookstore/catalog-api:2.4.0');

    const approve = page.getByRole('button', { name: 'Approve and execute' });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('button')].some(
          b => b.textContent === 'Approve and execute' && !b.disabled,
        ),
      undefined,
      { timeout: 30_000 },
    );
    await expectAccessible(page, 'main', 'approvals');
    await docsScreenshot(
      page,
      'approvals',
      page.getByRole('heading', { name: /^Fix plan:/ }),
    );

    await page.getByRole('textbox', { name: /Comment/ }).focus();
    await page.keyboard.type('Rolling back the bad 2.5.0 build (e2e)');
    await page.keyboard.press('Tab');
    await expect(
      page.evaluate(() => document.activeElement?.textContent ?? ''),
    ).resolves.toBe('Approve and execute');
    await page.keyboard.press('Enter');

    await page
      .getByText(/Plan approved: .*; execution succeeded/)
      .waitFor({ timeout: 60_000 });
    await page
      .getByRole('heading', { name: 'Executions', level: 2 })
      .waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Roll back' }).first().waitFor();
    expect(await approve.count()).toBe(0);

    const deployment = await (
      await fetch(
        `${services.sandboxUrl}/apis/apps/v1/namespaces/bookstore/deployments/catalog-api`,
        { headers: { authorization: `Bearer ${services.sandboxToken}` } },
      )
    ).json();
    expect(deployment.spec.template.spec.containers[0].image).toBe(
      'ghcr.io/example-bookstore/catalog-api:2.4.0',
    );

    await expectAccessible(page, 'main', 'approvals-after');
  });

  it('shows the incident resolved on the Incidents tab once the cluster is healthy again', async () => {
    await page.goto(`${services.appUrl}${ENTITY_PAGE}/ai-sre/incidents`);
    const recent = page
      .getByRole('row')
      .filter({
        has: page.getByRole('link', {
          name: /crash-loop .* on Deployment\/bookstore\/catalog-api/,
        }),
      })
      .filter({ hasText: 'resolved' });
    // The backend resolves it 10 s after its last active signal (see
    // services.ts); the open tab hears of it over signals, and a reload
    // covers a missed one.
    const tab = page;
    const waitOrReload = () =>
      recent
        .first()
        .waitFor({ timeout: 15_000 })
        .catch(() => tab.reload());
    const deadline = Date.now() + 240_000;
    while (!(await recent.count()) && Date.now() < deadline) {
      await waitOrReload();
    }
    if (!(await recent.count())) {
      throw new Error(
        `The incident was never shown resolved:\n${services.logs()}`,
      );
    }
    expect(await recent.first().innerText()).toContain('resolved');
    await page.getByText('Recent incidents').waitFor();
    await expectAccessible(page, 'main', 'incidents-resolved');
  });

  it('finds the incident on the AI SRE search page, filters kept in the URL', async () => {
    await page.goto(
      `${services.appUrl}/ai-sre?entity=${encodeURIComponent(
        'component:default/catalog-api',
      )}&category=bad-deploy`,
    );
    await page
      .getByRole('link', {
        name: /crash-loop .* on Deployment\/bookstore\/catalog-api/,
      })
      .waitFor({ timeout: 30_000 });
    await expectAccessible(page, 'main', 'search');
    await docsScreenshot(page, 'search');

    // Typing a search narrows the list and lands in the URL.
    await page
      .getByRole('searchbox', { name: 'Search titles and summaries' })
      .fill('no such incident');
    await page.waitForURL(/q=no\+such\+incident/);
    await page.getByText('No incident matches these filters.').waitFor();
    const url = new URL(page.url());
    expect(url.searchParams.getAll('entity')).toEqual([
      'component:default/catalog-api',
    ]);
    expect(url.searchParams.getAll('category')).toEqual(['bad-deploy']);

    await page.getByRole('link', { name: 'Reliability' }).click();
    await page.getByText('Incidents by category').waitFor();
    const perEntity = await page
      .getByRole('row')
      .filter({ hasText: 'catalog-api' })
      .first()
      .innerText();
    expect(perEntity).toMatch(/catalog-api\s+1\s/);
    await page.getByText('Cluster connections').waitFor();
    await page
      .getByText(/Global kill-switch/)
      .first()
      .waitFor();
    await expectAccessible(page, 'main', 'reliability');
    await docsScreenshot(page, 'reliability');
    await docsScreenshot(
      page,
      'reliability-safety',
      page.getByRole('heading', { name: 'Executions by outcome' }),
    );
  });
});
