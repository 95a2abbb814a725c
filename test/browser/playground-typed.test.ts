/**
 * The Playground beyond the built-in examples: an item typed in by hand (its text travels in the
 * link, a new page reopens it and runs it), and word differences between two models' outputs.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../helpers/paths.ts';
import { useBrowserHarness, type BrowserHarness } from './harness/index.ts';

const SHOTS = path.join(PROJECT_ROOT, 'test-results', 'screenshots');
let h: BrowserHarness;
let page: Page;

useBrowserHarness(async (harness) => {
  h = harness;
  page = await h.browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
});

const column = (p: Page, i: number) => p.getByTestId('column').nth(i);
const statusOf = (p: Page, i: number) => column(p, i).getByTestId('column-status').textContent();
/** The prompt as text: the prompt view shows spaces as "·" and line ends as "↵". */
const promptText = async (p: Page) => ((await p.getByLabel('Prompt text').textContent()) ?? '').replace(/·/g, ' ').replace(/↵/g, '');

describe('the Playground: a typed-in item, and word differences', () => {
  it('a typed-in entailment item builds its prompt, runs, and reopens from its link in a new page', async () => {
    await page.goto(`${h.origin}/#/playground?task=inference`);
    await page.getByLabel('Prompt text').waitFor();
    await page.getByLabel('Dataset').selectOption('typed');
    // It starts from the item on screen, so the editor is filled in.
    await expect.poll(() => page.getByLabel('Typed input_1').inputValue()).not.toBe('');
    await page.getByLabel('Typed input_1').fill('A cyclist waits at the red light on Elm Street.');
    await page.getByLabel('Typed input_2').fill('Someone is on a bicycle.');
    await page.getByLabel('Typed gold label').selectOption('entailment');
    await expect.poll(() => promptText(page)).toContain('A cyclist waits at the red light on Elm Street.');
    expect(await promptText(page)).toContain('Someone is on a bicycle.');
    await page.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(() => statusOf(page, 0), { timeout: 60_000 }).toBe('done');
    expect(await column(page, 0).getByTestId('label-prob').count()).toBe(3);
    expect(await column(page, 0).getByTestId('prediction').textContent()).toMatch(/gold entailment/);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'playground-typed.png'), fullPage: true });

    const other = await h.browser.newPage();
    await other.goto(page.url());
    await other.getByLabel('Prompt text').waitFor();
    expect(await other.getByLabel('Dataset').inputValue()).toBe('typed');
    expect(await other.getByLabel('Typed input_2').inputValue()).toBe('Someone is on a bicycle.');
    expect(await other.getByLabel('Prompt text').textContent()).toBe(await page.getByLabel('Prompt text').textContent());
    await other.close();

    // Emptied, it says what to do instead of running an empty prompt.
    await page.getByLabel('Typed input_1').fill('');
    await page.getByLabel('Typed input_2').fill('');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('the typed-in item is empty');
    expect(await page.getByRole('button', { name: /^Run/ }).isDisabled()).toBe(true);
  });

  it('word differences mark, in the second column, the words its output does not share with the first', async () => {
    await page.goto(`${h.origin}/#/playground?task=summary&models=tiny-random-llama-f32,tiny-random-llama-q4f16_1`);
    await page.getByLabel('Prompt text').waitFor();
    await page.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(async () => [await statusOf(page, 0), await statusOf(page, 1)], { timeout: 120_000 }).toEqual(['done', 'done']);
    const before = [await column(page, 0).getByTestId('output').textContent(), await column(page, 1).getByTestId('output').textContent()];
    expect(before[0]).not.toBe(before[1]);
    await page.getByRole('checkbox', { name: 'Word differences between columns' }).check();
    await expect.poll(() => column(page, 1).locator('[data-testid="output"] .changed').count()).toBeGreaterThan(0);
    expect(await column(page, 0).locator('[data-testid="output"] .changed').count()).toBe(0);
    // Marking changes nothing of the text itself.
    expect(await column(page, 1).getByTestId('output').textContent()).toBe(before[1]);
    expect(page.url()).toContain('diff=1');
    await page.getByRole('checkbox', { name: 'Word differences between columns' }).uncheck();
    await expect.poll(() => column(page, 1).locator('[data-testid="output"] .changed').count()).toBe(0);
  });

  it('the Shots and Item fields refuse what the command line refuses, in the same words', async () => {
    await page.goto(`${h.origin}/#/playground?task=sentiment&mode=icl&shots=2`);
    await page.getByLabel('Prompt text').waitFor();
    await page.getByLabel('Shots').fill('-2');
    await page.getByLabel('Shots').blur();
    await expect.poll(() => page.getByTestId('field-error').textContent()).toBe('Shots must be between 1 and 64, not -2');
    expect(await page.getByLabel('Shots').inputValue()).toBe('2');
    expect(page.url()).toContain('shots=2');
    await page.getByLabel('Item number').fill('99');
    await page.getByLabel('Item number').blur();
    await expect.poll(() => page.getByTestId('field-error').textContent()).toBe('Item must be between 1 and 3, not 99');
    await page.getByLabel('Shots').fill('4');
    await page.getByLabel('Shots').blur();
    await expect.poll(() => page.url()).toContain('shots=4');
    expect(await page.getByTestId('field-error').count()).toBe(0);
  });
});
