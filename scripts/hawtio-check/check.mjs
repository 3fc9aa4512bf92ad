// Opens the Hawtio console (http://localhost:8090/hawtio) connected to the service's Jolokia
// agent (http://localhost:8778/jolokia/) in Debian's headless Chromium, waits until the
// pipeline's routes are listed, and saves a screenshot. Exits non-zero if they never show.
import { chromium } from 'playwright-core';

const consoleUrl = process.env.HAWTIO_URL ?? 'http://localhost:8090/hawtio';
const jolokiaPort = Number(process.env.JOLOKIA_PORT ?? 8778);
const screenshot = process.argv[2] ?? 'hawtio-routes.png';
const routes = ['extract-poll', 'transform-poll', 'load-poll'];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${consoleUrl}/`);
  await page.evaluate((port) => localStorage.setItem('connect.connections', JSON.stringify({
    pipeline: { id: 'pipeline', name: 'totesys-pipeline', scheme: 'http', host: 'localhost', port, path: '/jolokia/' },
  })), jolokiaPort);
  await page.goto(`${consoleUrl}/camel/routes?con=pipeline`);
  for (const route of routes) {
    await page.getByText(route, { exact: true }).first().waitFor({ timeout: 60000 });
  }
  await page.screenshot({ path: screenshot, fullPage: false });
  console.log(`Hawtio lists ${routes.join(', ')}; screenshot: ${screenshot}`);
} finally {
  await browser.close();
}
