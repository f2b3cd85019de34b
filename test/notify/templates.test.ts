/**
 * Every customer message exists whole in every language: each renders with sample data to a subject, an
 * HTML part in its language and a text part, with no Liquid left over and every value escaped in HTML; a
 * broken template is refused with the part, the line and the reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '../../src/domain/errors.ts';
import { LANGUAGES, languageOf } from '../../src/domain/languages.ts';
import { NO_BRANDING } from '../../src/domain/shop.ts';
import { CUSTOMER_MESSAGES } from '../../src/notify/kinds.ts';
import { sampleModel } from '../../src/notify/preview.ts';
import { COPY, checkTemplate, defaultTemplate, renderTemplate } from '../../src/notify/templates.ts';
import type { Shop } from '../../src/services/shops.ts';

const LOCALES = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR', ja: 'ja-JP' } as const;
const signer = {
  publicUrl: 'https://shop.test',
  secret: 'secret',
  linkDays: 30,
  now: new Date('2026-12-01T09:00:00Z'),
};
const shopIn = (locale: string, name = 'Lumen <b>&</b> Co.'): Shop => ({
  id: 'shop_test',
  name,
  currency: locale === 'ja-JP' ? 'JPY' : 'EUR',
  timeZone: 'Europe/Berlin',
  ...NO_BRANDING,
  locale,
  createdAt: signer.now,
});

test('every message renders whole in every language', () => {
  for (const language of LANGUAGES) {
    const shop = shopIn(LOCALES[language]);
    for (const kind of CUSTOMER_MESSAGES) {
      const rendered = renderTemplate(defaultTemplate(kind, language), sampleModel(shop, kind, signer));
      const where = `${kind} in ${language}`;
      assert.ok(rendered.subject.length > 5, where);
      assert.doesNotMatch(
        rendered.subject + rendered.html + rendered.text,
        /{{|{%|undefined|\[object/,
        where,
      );
      assert.match(rendered.html, new RegExp(`<html lang="${language}">`), where);
      assert.match(
        rendered.html,
        /Lumen &lt;b&gt;&amp;&lt;\/b&gt; Co\./,
        `${where}: the shop's name is escaped`,
      );
      assert.doesNotMatch(rendered.html, /<b>&<\/b>/, where);
      assert.match(rendered.text, /Lumen <b>&<\/b> Co\./, `${where}: the text part is plain`);
      assert.match(rendered.text, /https:\/\/shop\.test\/portal\?t=v1\./, `${where}: the portal link`);
      assert.doesNotMatch(rendered.text, /\n{3,}/, where);
    }
  }
});

test('each language has its own words: no copy is left in English', () => {
  // The same word in both languages, on purpose.
  const shared = new Set(['fr.common.total']);
  for (const language of ['de', 'fr', 'ja'] as const) {
    for (const [section, phrases] of Object.entries(COPY[language])) {
      for (const [key, phrase] of Object.entries(phrases as Record<string, string>)) {
        const english = (COPY.en as Record<string, Record<string, string>>)[section]?.[key];
        const words = phrase.replace(/\{\{[^}]*\}\}/g, '').replace(/[^\p{L}]/gu, '');
        const where = `${language}.${section}.${key}`;
        assert.ok(phrase !== english || words === '' || shared.has(where), `${where} is the English text`);
      }
    }
  }
});

test('the Japanese confirmation is in Japanese, with yen and a Japanese date', () => {
  const shop = shopIn('ja-JP', 'ルーメン');
  const rendered = renderTemplate(
    defaultTemplate('confirmation', 'ja'),
    sampleModel(shop, 'confirmation', signer),
  );
  assert.match(rendered.subject, /の予約注文を承りました$/);
  assert.match(rendered.text, /合計：￥12,900/);
  assert.match(rendered.text, /発送：.+に発送\n/);
});

test('a broken template is refused with the part, the line and the reason', () => {
  const shop = shopIn('en-GB');
  const model = sampleModel(shop, 'shipped', signer);
  const good = defaultTemplate('shipped', 'en');
  const cases = [
    {
      template: { ...good, html: '<p>Hi</p>\n<p>{{ product.name | nosuchfilter }}</p>' },
      part: 'html',
      line: 2,
    },
    { template: { ...good, text: 'Hi\n\n{% if shipment.carrier %}\nno end' }, part: 'text', line: 3 },
    { template: { ...good, subject: '  ' }, part: 'subject', line: 1 },
  ];
  for (const { template, part, line } of cases) {
    assert.throws(
      () => checkTemplate(template, model),
      (error: unknown) =>
        error instanceof DomainError &&
        error.code === 'invalid_template' &&
        error.details?.part === part &&
        error.details?.line === line &&
        typeof error.details?.reason === 'string',
      part,
    );
  }
  checkTemplate(good, model);
});

test('languages: ours when we have it, English otherwise', () => {
  assert.equal(languageOf('de-AT'), 'de');
  assert.equal(languageOf('ja'), 'ja');
  assert.equal(languageOf('pt-BR'), 'en');
  assert.equal(languageOf('not a locale'), 'en');
});
